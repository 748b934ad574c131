/// Where the panel's pages and forms live: the links and form actions the views write, so the routes
/// that answer them use the same paths.
///
/// Forms post `application/x-www-form-urlencoded` (the CSV upload: `multipart/form-data`), always
/// with a `csrf` field; the field names of each form are listed on the page view model that shows it.
public enum PanelPath {
    /// The panel's root; it shows the list.
    public static let root = "/panel"
    /// GET the sign-in page; POST `user`, `password`.
    public static let signIn = "/panel/sign-in"
    /// POST (no fields but `csrf`): sign out.
    public static let signOut = "/panel/sign-out"
    /// GET the list: `page`, `start`, `end`.
    public static let list = "/panel/list"
    /// GET a number's state: `number`.
    public static let search = "/panel/search"
    /// GET the add and remove forms.
    public static let change = "/panel/change"
    /// POST `number`, `reason`, `until`: block a number.
    public static let add = "/panel/add"
    /// POST `number`, `reason`: unblock a number.
    public static let remove = "/panel/remove"
    /// GET the upload form; POST (multipart) `file`: check a CSV file.
    public static let importUpload = "/panel/import"
    /// POST `import`, `reason`: apply a checked file.
    public static let importConfirm = "/panel/import/confirm"
    /// GET the export links.
    public static let export = "/panel/export"
    /// GET the list as CSV: `start`, `end`.
    public static let exportList = "/panel/export/list.csv"
    /// GET the change log as CSV.
    public static let exportChanges = "/panel/export/changes.csv"
    /// GET the change log: `after`.
    public static let changes = "/panel/changes"
    /// GET the account's audit log.
    public static let audit = "/panel/audit"
    /// GET the API access page; POST `enabled` (`on` or `off`): switch it.
    public static let apiAccess = "/panel/api-access"
    /// POST `confirm` (`yes`): issue a new secret and hash.
    public static let rotateHash = "/panel/api-access/rotate"
    /// GET the webhooks.
    public static let webhooks = "/panel/webhooks"
    /// POST `url`: add a webhook.
    public static let webhookAdd = "/panel/webhooks/add"
    /// POST `id`: remove a webhook.
    public static let webhookRemove = "/panel/webhooks/remove"
    /// GET the panel users (admins).
    public static let users = "/panel/users"
    /// POST `user`, `password`, `role`, `account`: create a panel user.
    public static let userCreate = "/panel/users/create"
    /// POST `user`: disable a panel user.
    public static let userDisable = "/panel/users/disable"
    /// POST `user`: enable a panel user.
    public static let userEnable = "/panel/users/enable"
    /// POST `user`, `password`: set a panel user's password.
    public static let userResetPassword = "/panel/users/reset-password"
    /// POST `user`: delete a panel user.
    public static let userDelete = "/panel/users/delete"
    /// GET the accounts an admin may work on.
    public static let accounts = "/panel/accounts"
    /// POST `account`: work on this account.
    public static let chooseAccount = "/panel/accounts/choose"

    /// GET an import's progress.
    public static func importJob(_ id: String) -> String {
        "/panel/import/jobs/" + PanelQuery.percentEncoded(id)
    }
}

/// Query strings for the links the views write.
enum PanelQuery {
    /// `path` with `items` as its query, each name and value percent-encoded; empty values are
    /// left out.
    static func link(_ path: String, _ items: [(String, String?)]) -> String {
        let pairs = items.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return percentEncoded(name) + "=" + percentEncoded(value)
        }
        return pairs.isEmpty ? path : path + "?" + pairs.joined(separator: "&")
    }

    /// `text` with everything but RFC 3986's unreserved characters percent-encoded, so a value
    /// cannot end its parameter or its URL.
    static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    /// The page at `target` (the path and query the browser asked for) in `language`: its `lang`
    /// parameter replaced. A target that is not a path on this site (`//host`, `https:`,
    /// `javascript:`) becomes the panel's root, so the switch can never lead elsewhere.
    static func languageLink(_ target: String, _ language: PanelLanguage) -> String {
        let safe =
            target.hasPrefix("/") && !target.hasPrefix("//") && !target.contains("\\")
            && !target.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        let (path, query) = splitQuery(safe ? encodedLoosely(target) : PanelPath.root)
        var kept = query.split(separator: "&").filter { pair in
            !pair.isEmpty && pair.split(separator: "=", maxSplits: 1).first != "lang"
        }.map(String.init)
        kept.append("lang=" + language.rawValue)
        return path + "?" + kept.joined(separator: "&")
    }

    /// `target` with the bytes a URL may not hold as they are (spaces, quotes, angle brackets,
    /// anything outside ASCII) percent-encoded, and the rest, `%` escapes included, kept.
    static func encodedLoosely(_ target: String) -> String {
        var encoded = ""
        for byte in target.utf8 {
            switch byte {
            case 0x21...0x7E where !"\"<>\\^`{|}".utf8.contains(byte):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }

    private static func splitQuery(_ target: String) -> (String, Substring) {
        let withoutFragment = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard let mark = withoutFragment.firstIndex(of: "?") else { return (String(withoutFragment), "") }
        return (String(withoutFragment[..<mark]), withoutFragment[withoutFragment.index(after: mark)...])
    }
}
