public import EngelCore

/// Writes the XML dialect's answers as the live API does: the declaration, then `<response>` with no
/// whitespace anywhere, because clients match `<code>200</code>` literally.
///
/// Written by hand for the same reason as ``ResponseWriter``: every value is digits or a fixed
/// message, so nothing needs escaping.
public enum XMLResponseWriter {
    /// The envelope carrying only `<status>`.
    public static func status(_ status: APIStatus) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        appendStatusPrefix(status, to: &out)
        out.append(contentsOf: "</response>".utf8)
        return out
    }

    /// A successful get-blacklist envelope: `<count>`, then one `<number>` per entry, unwrapped.
    public static func page(_ page: BlacklistPage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(192 + page.numbers.count * 32)
        appendStatusPrefix(.success, to: &out)
        out.append(contentsOf: "<blacklist><count>".utf8)
        out.append(contentsOf: String(page.count).utf8)
        out.append(contentsOf: "</count>".utf8)
        for number in page.numbers {
            out.append(contentsOf: "<number>+90".utf8)
            ResponseWriter.appendNationalDigits(of: number, to: &out)
            out.append(contentsOf: "</number>".utf8)
        }
        out.append(contentsOf: "</blacklist></response>".utf8)
        return out
    }

    private static func appendStatusPrefix(_ status: APIStatus, to out: inout [UInt8]) {
        out.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8"?><response><status><code>"#.utf8)
        out.append(contentsOf: String(status.code).utf8)
        out.append(contentsOf: "</code><message>".utf8)
        out.append(contentsOf: status.message.utf8)
        out.append(contentsOf: "</message></status>".utf8)
    }
}
