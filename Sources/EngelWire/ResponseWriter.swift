public import EngelCore
import Foundation

/// Writes answers byte for byte as the live API does: compact JSON, `status` first, `count` before
/// `number`, Turkish text as raw UTF-8.
///
/// Written by hand because every value is either a fixed message or digits: nothing needs escaping,
/// and the key order is part of what clients see.
public enum ResponseWriter {
    /// The envelope carrying only `status`.
    public static func status(_ status: APIStatus) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96)
        appendStatusPrefix(status, to: &out)
        out.append(contentsOf: "}}".utf8)
        return out
    }

    /// A successful get-blacklist envelope.
    public static func page(_ page: BlacklistPage) -> [UInt8] {
        var head = pageHead
        head.append(contentsOf: String(page.count).utf8)
        head.append(contentsOf: #","number":["#.utf8)
        let tail: StaticString = "]}}}"
        // Every number is `"+90` and ten digits and `"`: the answer's length is known, so it is
        // written in one allocation, in place (a page has up to 1,000 numbers).
        let numbers = page.numbers
        let listBytes = numbers.isEmpty ? 0 : numbers.count * (numberWidth + 1) - 1
        let total = head.count + listBytes + tail.utf8CodeUnitCount
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            guard let start = buffer.baseAddress else { return }
            head.withUnsafeBufferPointer { head in
                if let source = head.baseAddress { start.initialize(from: source, count: head.count) }
            }
            var position = head.count
            for (index, number) in numbers.enumerated() {
                if index > 0 {
                    start[position] = UInt8(ascii: ",")
                    position += 1
                }
                writeNumber(number, at: start + position)
                position += numberWidth
            }
            (start + position).initialize(from: tail.utf8Start, count: tail.utf8CodeUnitCount)
            initialized = total
        }
    }

    /// A successful check-blacklist envelope: `count`, the listed numbers, the invalid inputs.
    public static func check(listed: [PhoneNumber], invalid: [NumberInput]) -> [UInt8] {
        var out = successPrefix(reserving: listed.count * (numberWidth + 1) + invalid.count * 16)
        appendCheck(listed: listed, invalid: invalid, to: &out)
        out.append(contentsOf: "}}}".utf8)
        return out
    }

    /// A successful check-blacklist envelope with `detail`: as ``check(listed:invalid:)``, then
    /// the listed numbers' `entries`.
    public static func check(detailing listed: [ListEntry], invalid: [NumberInput]) -> [UInt8] {
        var out = successPrefix(reserving: listed.count * 160 + invalid.count * 16)
        appendCheck(listed: listed.map(\.number), invalid: invalid, to: &out)
        out.append(contentsOf: #","entries":["#.utf8)
        for (index, entry) in listed.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendEntry(entry, to: &out)
        }
        out.append(contentsOf: "]}}}".utf8)
        return out
    }

    private static func appendCheck(listed: [PhoneNumber], invalid: [NumberInput], to out: inout [UInt8]) {
        out.append(contentsOf: #"{"count":"#.utf8)
        out.append(contentsOf: String(listed.count).utf8)
        out.append(contentsOf: #","number":["#.utf8)
        for (index, number) in listed.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendNumber(number, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        appendInputs("invalid", invalid, to: &out)
    }

    /// A successful get-blacklist-entries envelope: `count`, `seq`, then the page's `entries`.
    public static func entries(_ page: EntriesPage) -> [UInt8] {
        var out = successPrefix(reserving: page.entries.count * 160)
        out.append(contentsOf: #"{"count":"#.utf8)
        out.append(contentsOf: String(page.count).utf8)
        out.append(contentsOf: #","seq":"#.utf8)
        out.append(contentsOf: String(page.seq).utf8)
        out.append(contentsOf: #","entries":["#.utf8)
        for (index, entry) in page.entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendEntry(entry, to: &out)
        }
        out.append(contentsOf: "]}}}".utf8)
        return out
    }

    /// A successful get-blacklist-changes envelope: the `changes`, then `next` and `oldest`.
    public static func changes(_ stretch: ChangesPage) -> [UInt8] {
        var out = successPrefix(reserving: stretch.changes.count * 180)
        out.append(contentsOf: #"{"changes":["#.utf8)
        for (index, change) in stretch.changes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendChange(change, to: &out)
        }
        out.append(contentsOf: #"],"next":"#.utf8)
        out.append(contentsOf: String(stretch.next).utf8)
        out.append(contentsOf: #","oldest":"#.utf8)
        out.append(contentsOf: String(stretch.oldest).utf8)
        out.append(contentsOf: "}}}".utf8)
        return out
    }

    /// One change record as the feed and webhook deliveries carry it.
    public static func appendChange(_ change: ChangeRecord, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"seq":"#.utf8)
        out.append(contentsOf: String(change.seq).utf8)
        out.append(contentsOf: #","at":"#.utf8)
        appendString(TurkeyTime.format(change.at), to: &out)
        out.append(contentsOf: #","action":"#.utf8)
        appendString(change.action.rawValue, to: &out)
        out.append(contentsOf: #","number":"#.utf8)
        appendNumber(change.number, to: &out)
        appendProvenance(
            source: change.source, reason: change.reason, until: change.until, actor: change.actor, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// A webhook delivery's body, `{"account","webhook","changes":[…]}`: each change written as the
    /// feed writes it, so a receiver reads the same bytes from both.
    public static func webhookDelivery(account: String, webhook: Int64, changes: [ChangeRecord]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + account.utf8.count + changes.count * 180)
        out.append(contentsOf: #"{"account":"#.utf8)
        appendString(account, to: &out)
        out.append(contentsOf: #","webhook":"#.utf8)
        out.append(contentsOf: String(webhook).utf8)
        out.append(contentsOf: #","changes":["#.utf8)
        for (index, change) in changes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendChange(change, to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static func appendEntry(_ entry: ListEntry, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"number":"#.utf8)
        appendNumber(entry.number, to: &out)
        out.append(contentsOf: #","addedAt":"#.utf8)
        appendString(TurkeyTime.format(entry.addedAt), to: &out)
        appendProvenance(source: entry.source, reason: entry.reason, until: entry.until, actor: entry.actor, to: &out)
        out.append(UInt8(ascii: "}"))
    }

    /// `,"source":…,"reason":…,"until":…,"actor":…`, absent values as `null`.
    private static func appendProvenance(
        source: ChangeSource, reason: String?, until: Date?, actor: ChangeActor?, to out: inout [UInt8]
    ) {
        out.append(contentsOf: #","source":"#.utf8)
        appendString(source.rawValue, to: &out)
        out.append(contentsOf: #","reason":"#.utf8)
        appendOptionalString(reason, to: &out)
        out.append(contentsOf: #","until":"#.utf8)
        appendOptionalString(until.map(TurkeyTime.format), to: &out)
        out.append(contentsOf: #","actor":"#.utf8)
        appendOptionalString(actor?.description, to: &out)
    }

    private static func appendOptionalString(_ text: String?, to out: inout [UInt8]) {
        if let text { appendString(text, to: &out) } else { out.append(contentsOf: "null".utf8) }
    }

    private static func appendNumber(_ number: PhoneNumber, to out: inout [UInt8]) {
        out.append(contentsOf: #""+90"#.utf8)
        appendNationalDigits(of: number, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A successful bulk-add-blacklist or bulk-delete-blacklist envelope: how many numbers changed
    /// (`countName`), the inputs that needed no change (`unchangedName`), the invalid inputs.
    public static func bulk(
        _ countName: String, _ changed: Int, _ unchangedName: String, _ unchanged: [NumberInput],
        invalid: [NumberInput]
    ) -> [UInt8] {
        var out = successPrefix(reserving: (unchanged.count + invalid.count) * 16)
        out.append(contentsOf: #"{""#.utf8)
        out.append(contentsOf: countName.utf8)
        out.append(contentsOf: #"":"#.utf8)
        out.append(contentsOf: String(changed).utf8)
        appendInputs(unchangedName, unchanged, to: &out)
        appendInputs("invalid", invalid, to: &out)
        out.append(contentsOf: "}}}".utf8)
        return out
    }

    /// `{"response":{"status":{…},"blacklist":` with room for `extra` more bytes.
    private static func successPrefix(reserving extra: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + extra)
        appendStatusPrefix(.success, to: &out)
        out.append(contentsOf: #","blacklist":"#.utf8)
        return out
    }

    /// Appends `,"name":[…]` with each input as it was given: a string escaped, an integer as its
    /// digits.
    private static func appendInputs(_ name: String, _ inputs: [NumberInput], to out: inout [UInt8]) {
        out.append(contentsOf: #",""#.utf8)
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: #"":["#.utf8)
        for (index, input) in inputs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            switch input {
            case .text(let text): appendString(text, to: &out)
            case .integer(let digits): out.append(contentsOf: digits.utf8)
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// Appends `text` as a JSON string: quotes, backslashes and control characters escaped, all
    /// else as raw UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case ..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// What every page starts with, up to the count.
    private static let pageHead: [UInt8] = {
        var head: [UInt8] = []
        appendStatusPrefix(.success, to: &head)
        head.append(contentsOf: #","blacklist":{"count":"#.utf8)
        return head
    }()

    /// The bytes of one quoted number: `"+905321234567"`.
    static let numberWidth = 15

    /// Writes `"+90`, the ten national digits and `"` at `start`.
    private static func writeNumber(_ number: PhoneNumber, at start: UnsafeMutablePointer<UInt8>) {
        start[0] = UInt8(ascii: "\"")
        start[1] = UInt8(ascii: "+")
        start[2] = UInt8(ascii: "9")
        start[3] = UInt8(ascii: "0")
        writeNationalDigits(of: number, at: start + 4)
        start[14] = UInt8(ascii: "\"")
    }

    /// Appends the ten national digits without making a `String`.
    static func appendNationalDigits(of number: PhoneNumber, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 10))
        out.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { writeNationalDigits(of: number, at: base + start) }
        }
    }

    /// Writes the ten national digits at `start`, two per division.
    private static func writeNationalDigits(of number: PhoneNumber, at start: UnsafeMutablePointer<UInt8>) {
        var remaining = UInt64(number.national)
        var position = 9
        while position > 0 {
            let pair = Int(remaining % 100)
            remaining /= 100
            start[position] = UInt8(truncatingIfNeeded: pair % 10) &+ UInt8(ascii: "0")
            start[position - 1] = UInt8(truncatingIfNeeded: pair / 10) &+ UInt8(ascii: "0")
            position -= 2
        }
    }

    private static func appendStatusPrefix(_ status: APIStatus, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"response":{"status":{"code":"#.utf8)
        out.append(contentsOf: String(status.code).utf8)
        out.append(contentsOf: #","message":""#.utf8)
        out.append(contentsOf: status.message.utf8)
        out.append(contentsOf: #""}"#.utf8)
    }
}
