import HTTPTypes

/// Which Engel this is: the version, and the commit it was built from.
public enum EngelVersion {
    /// The release this code is, raised with each release.
    public static let number = "0.8.0"
    /// The commit the build was made from (`-modified` when the checkout had changes); `unknown`
    /// when built outside git.
    public static let commit = buildCommit
    /// `<version> (<commit>)`: what `/healthz` sends in `Engel-Version`.
    public static let text = "\(number) (\(commit))"
}

extension HTTPField.Name {
    /// `Engel-Version`, on every `/healthz` answer.
    static let engelVersion: HTTPField.Name = {
        guard let name = HTTPField.Name("Engel-Version") else { preconditionFailure("Engel-Version is a valid name") }
        return name
    }()
}
