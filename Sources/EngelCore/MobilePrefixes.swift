/// The three-digit national prefixes (`5XX`) that belong to mobile operators.
///
/// Kept as data so a deployment can follow the numbering plan without a code change.
public struct MobilePrefixes: Sendable, Hashable {
    private var allowed: Set<Int>

    /// Creates a table from three-digit prefixes such as `532`.
    public init(_ prefixes: some Sequence<Int>) {
        allowed = Set(prefixes)
    }

    /// Whether `prefix` (three digits, e.g. `532`) is an allocated mobile block.
    public func contains(_ prefix: Int) -> Bool { allowed.contains(prefix) }

    /// All prefixes, ascending.
    public var sorted: [Int] { allowed.sorted() }

    /// The national numbering plan's mobile blocks: Türk Telekom (501, 505–507, 550–559),
    /// Turkcell (530–539), Vodafone (540–549) and the virtual operators (510, 516, 561).
    public static let turkishMobile = MobilePrefixes(
        [501, 505, 506, 507, 510, 516, 561] + Array(530...559)
    )
}
