import EngelTestSupport
import EngelWire
import HTTPTypes

/// One generated bad request and the codes the contract allows for it.
struct MalformedRequest: Sendable, CustomStringConvertible {
    /// Which kind of damage, as ``MalformedRequests/families`` names it.
    var family = ""
    let kind: String
    let method: HTTPRequest.Method
    let endpoint: Endpoint
    let dialect: WireDialect
    let contentType: String?
    let body: [UInt8]
    let allowed: Set<Int>

    var description: String {
        let shown = body.prefix(160).map { byte in
            (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }.joined()
        return "\(kind): \(method) \(endpoint.path(dialect)) [\(contentType ?? "no content type")] "
            + "\(body.count) bytes: \(shown)\(body.count > 160 ? "…" : "")"
    }
}

/// Generates bad requests from a seed: the same seed gives the same requests, in the same order.
///
/// Each request is a valid one of the `acme` account with one thing broken, so its expected code
/// follows from the contract's order of checks: the body must parse and `authentication` have the
/// right shape (else 400), the credentials must be right (else 401), then the `blacklist` part must
/// have the right shape (else 400) and the number be a Turkish mobile number (else 466; a batch
/// method reports it and answers 200).
struct MalformedRequests {
    let key: String
    let hash: String
    let maximumBodyBytes: Int
    let maximumBulkBodyBytes: Int
    var random: SeededGenerator

    /// The parts of a request a case can replace: each slot's value is the raw JSON value, or for
    /// XML the element's raw content; `nil` leaves the member out.
    enum Slot: Hashable {
        case request, authentication, key, hash, blacklist, number, filter, start, page, rowCount, after, limit, reason,
            until, extra
    }

    private static let contentTypes: [String?] = [
        nil, "application/json", "application/json; charset=utf-8", "text/xml", "application/xml",
        "text/plain", "application/octet-stream", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "image/png", "garbage;;;=", "",
    ]

    /// The kinds of damage, each with the function making one request of that kind.
    static let families: [(name: String, make: @Sendable (inout MalformedRequests) -> MalformedRequest)] = [
        ("truncated", { $0.truncated() }), ("wrong type", { $0.wrongType() }), ("null or empty", { $0.null() }),
        ("array instead of string", { $0.arrayInsteadOfString() }), ("letters in numbers", { $0.numberWithLetters() }),
        ("huge string", { $0.hugeString() }), ("deep nesting", { $0.deepNesting() }),
        ("invalid UTF-8", { $0.invalidUTF8() }), ("empty body", { $0.emptyBody() }),
        ("any content type", { $0.wrongContentType() }), ("wrong verb", { $0.wrongVerb() }),
        ("random bytes", { $0.garbage() }), ("random mutation", { $0.mutated() }),
    ]

    mutating func next() -> MalformedRequest {
        let family = Self.families[Int.random(in: 0..<Self.families.count, using: &random)]
        var request = family.make(&self)
        request.family = family.name
        return request
    }

    // MARK: Kinds

    mutating func truncated() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let body = render(endpoint, dialect)
        return make(
            "truncated", endpoint, dialect, Array(body.prefix(Int.random(in: 0..<body.count, using: &random))), [400])
    }

    mutating func wrongType() -> MalformedRequest {
        let endpoint = pick(Endpoint.allCases)
        let values = [#"12"#, #"true"#, #"1.5"#, #"[]"#, #"["x"]"#, #"{}"#, #""text""#, #"-7"#]
        // Each slot with the values that are the wrong type there.
        let slot: Slot
        var wrong = values
        switch Int.random(in: 0..<6, using: &random) {
        case 0:
            slot = .request
            wrong.removeAll { $0 == "{}" }
        case 1:
            slot = .authentication
            wrong.removeAll { $0 == "{}" }
        case 2:
            slot = pick([.key, .hash])
            wrong.removeAll { $0.hasPrefix(#"""#) }
        case 3:
            slot = .blacklist
            wrong.removeAll { $0 == "{}" }
        case 5 where endpoint == .changes, 4 where endpoint == .changes:
            slot = pick([.after, .limit])
            wrong = [#"true"#, #"1.5"#, #"[]"#, #"["1"]"#, #"{}"#, #"-7"#, #""x""#, #""-1""#]
        case 5 where !endpoint.readsPages:
            // Engel's provenance fields: a reason is a string, an until a time string.
            slot = pick([.reason, .until])
            wrong =
                [#"12"#, #"true"#, #"[]"#, #"["x"]"#, #"{}"#]
                + ([.add, .bulkAdd].contains(endpoint) && slot == .until ? [#""tomorrow""#] : [])
        case 4 where endpoint.readsPages:
            slot = pick([.page, .rowCount, .filter, .start])
            switch slot {
            case .page, .rowCount: wrong = [#"true"#, #"1.5"#, #"[]"#, #"["1"]"#, #"{}"#, #"-7"#, #"0"#, #""x""#]
            case .filter: wrong = [#"12"#, #"true"#, #"[]"#, #""text""#]
            default: wrong.removeAll { $0.hasPrefix(#"""#) }
            }
        default:
            guard endpoint != .changes else {
                slot = .limit
                wrong = [#"0"#, #""0""#, #"1e2"#]
                break
            }
            slot = endpoint.readsPages ? .page : .number
            if endpoint.readsPages {
                wrong = [#"true"#, #"1.5"#, #"[]"#, #"{}"#, #"-7"#, #"0"#]
                break
            }
            // An integer literal is a number's input, not a wrong type.
            wrong.removeAll { $0.hasPrefix(#"""#) || $0 == "12" }
        }
        let body = render(endpoint, .json, [slot: Array(pick(wrong).utf8)])
        return make("wrong type at \(slot)", endpoint, .json, body, [400])
    }

    mutating func null() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        if dialect == .xml {
            // XML has no null: the nearest is an element with nothing in it.
            let cases: [(Slot, Int)] =
                endpoint.readsPages
                ? [(.key, 401), (.hash, 401), (.page, 400), (.rowCount, 400), (.start, 200)]
                : [(.key, 401), (.hash, 401), (.number, 466)]
            let (slot, code) = pick(cases)
            return make("empty <\(slot)>", endpoint, .xml, render(endpoint, .xml, [slot: []]), [code])
        }
        var cases: [(Slot, Int)] = [(.request, 400), (.authentication, 401), (.key, 401), (.hash, 401)]
        switch endpoint {
        case .list, .entries:
            cases += [(.blacklist, 200), (.page, 200), (.rowCount, 200), (.filter, 200), (.start, 200)]
        case .changes: cases += [(.blacklist, 200), (.after, 200), (.limit, 200)]
        // A delete's answer to a valid request depends on what earlier requests listed.
        default:
            cases +=
                [(.blacklist, 400), (.number, 400)] + (endpoint == .delete ? [] : [(.reason, 200), (.until, 200)])
        }
        let (slot, code) = pick(cases)
        return make("null at \(slot)", endpoint, .json, render(endpoint, .json, [slot: Array("null".utf8)]), [code])
    }

    mutating func arrayInsteadOfString() -> MalformedRequest {
        let endpoint = pick(Endpoint.allCases)
        let slot: Slot = pick(
            endpoint.readsPages
                ? [.key, .hash, .page, .rowCount, .start]
                : endpoint == .changes ? [.key, .hash, .after, .limit] : [.key, .hash, .number, .reason, .until])
        if endpoint.isEngelsOwn || pick([true, false]) {
            let value = "[\(#""905321234567""#),\(#""1""#)]"
            return make("array at \(slot)", endpoint, .json, render(endpoint, .json, [slot: Array(value.utf8)]), [400])
        }
        // XML's arrays are repeated elements (of the fields XML carries).
        let name = xmlName([.reason, .until].contains(slot) ? .number : slot)
        var body = render(endpoint, .xml)
        let element = Array("<\(name)>1</\(name)>".utf8)
        if let end = find(Array("</\(name)>".utf8), in: body) {
            body.insert(contentsOf: element, at: end + name.utf8.count + 3)
        }
        return make("repeated <\(name)>", endpoint, .xml, body, [400])
    }

    mutating func numberWithLetters() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        if endpoint.readsPages || endpoint == .changes {
            let slot: Slot = pick(endpoint == .changes ? [.after, .limit] : [.page, .rowCount])
            let value = pick(["1x", "1e3", "0x10", "١٢", "12 ", "+1", "one"])
            return make(
                "\(slot) with letters", endpoint, dialect, render(endpoint, dialect, [slot: quoted(value, dialect)]),
                [400])
        }
        var digits = Array("905321234567")
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let letter = pick(Array("abcxyzOIl#*/_é🙂"))
            if pick([true, false]) {
                digits[Int.random(in: 0..<digits.count, using: &random)] = letter
            } else {
                digits.insert(letter, at: Int.random(in: 0...digits.count, using: &random))
            }
        }
        return make(
            "number with letters", endpoint, dialect,
            render(endpoint, dialect, [.number: quoted(String(digits), dialect)]), [endpoint.isBatch ? 200 : 466])
    }

    mutating func hugeString() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let length = Int.random(in: 1_000...(maximumBodyBytes - 1_000), using: &random)
        // A random stretch repeated: as damaging as all-random text, and quick to make in a debug build.
        let stretch = String((0..<64).map { _ in pick(Array("0123456789abcdef ")) })
        let huge = String(String(repeating: stretch, count: length / 64 + 1).prefix(length))
        if pick([true, false, false, false]) {
            // Past the limit: refused before it is decoded.
            let over = String(repeating: "9", count: (endpoint.isBatch ? maximumBulkBodyBytes : maximumBodyBytes) + 1)
            return make(
                "body over the limit", endpoint, dialect,
                render(
                    endpoint, dialect,
                    [.number: quoted(over, dialect), .start: quoted(over, dialect), .after: quoted(over, dialect)]),
                [400])
        }
        let (slot, allowed): (Slot, Set<Int>)
        switch Int.random(in: 0..<3, using: &random) {
        case 0: (slot, allowed) = (pick([.key, .hash]), [401])
        case 1 where endpoint.readsPages: (slot, allowed) = (.start, [400])
        case 1 where endpoint == .changes: (slot, allowed) = (.after, [400])
        case 1 where dialect == .json && pick([true, false]):
            // A reason over 256 characters.
            (slot, allowed) = (.reason, [400])
        case 1: (slot, allowed) = (.number, [endpoint.isBatch ? 200 : 466])
        default: (slot, allowed) = (.extra, endpoint == .delete ? [200, 474] : [200])
        }
        return make(
            "huge \(slot)", endpoint, dialect, render(endpoint, dialect, [slot: quoted(huge, dialect)]), allowed)
    }

    mutating func deepNesting() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        // Deeper than any parser's limit, yet within the body limit so the parser does see it.
        let depth = Int.random(in: 600...(maximumBodyBytes / 8), using: &random)
        switch dialect {
        case .json:
            let (open, close) = pick([("[", "]"), (#"{"a":"#, "}")])
            let nested = String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)
            if pick([true, false]) {
                return make("deep nesting, whole body", endpoint, .json, Array(nested.utf8), [400])
            }
            let slot: Slot = pick(
                endpoint.readsPages
                    ? [.extra, .filter, .page]
                    : endpoint == .changes ? [.extra, .after, .limit] : [.extra, .number, .key])
            return make(
                "deep nesting at \(slot)", endpoint, .json, render(endpoint, .json, [slot: Array(nested.utf8)]), [400])
        case .xml:
            let nested = String(repeating: "<a>", count: depth) + "1" + String(repeating: "</a>", count: depth)
            // Only where an element holding elements is wrong: elsewhere unknown elements are ignored.
            let slot: Slot = pick(endpoint.readsPages ? [.key, .hash, .page, .rowCount] : [.key, .hash, .number])
            return make(
                "deep nesting in <\(xmlName(slot))>", endpoint, .xml,
                render(endpoint, .xml, [slot: Array(nested.utf8)]), [400])
        }
    }

    mutating func invalidUTF8() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let bad: [[UInt8]] = [
            [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xE2, 0x82],
        ]
        let slot: Slot = pick(
            endpoint.readsPages
                ? [.key, .hash, .start, .page]
                : endpoint == .changes
                    ? [.key, .hash, .after]
                    : [.key, .hash, .number]
                        + (dialect == .json ? [.reason] : []))
        let digits = (endpoint.readsPages && slot == .page) || slot == .after
        var value: [UInt8] = Array((digits ? "1" : "905321234567").utf8)
        value.insert(contentsOf: pick(bad), at: Int.random(in: 0...value.count, using: &random))
        let raw: [UInt8] = dialect == .json ? [UInt8(ascii: "\"")] + value + [UInt8(ascii: "\"")] : value
        return make("invalid UTF-8 at \(slot)", endpoint, dialect, render(endpoint, dialect, [slot: raw]), [400])
    }

    mutating func emptyBody() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let body = pick(["", " ", "\r\n", "\t \n"])
        return make("empty body", endpoint, dialect, Array(body.utf8), [400])
    }

    mutating func wrongContentType() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        // The contract reads the body whatever the label says: a valid request still succeeds.
        return make(
            "valid body, any content type", endpoint, dialect, render(endpoint, dialect),
            endpoint == .delete ? [200, 474] : [200])
    }

    mutating func wrongVerb() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let verb: HTTPRequest.Method = pick([.get, .put, .patch, .delete])
        let body = pick([true, false]) ? render(endpoint, dialect) : []
        return MalformedRequest(
            kind: "\(verb) instead of POST", method: verb, endpoint: endpoint, dialect: dialect,
            contentType: pick(Self.contentTypes), body: body, allowed: [400])
    }

    mutating func garbage() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        let length = Int.random(in: 1...2_000, using: &random)
        let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
        return make("random bytes", endpoint, dialect, bytes, [400])
    }

    mutating func mutated() -> MalformedRequest {
        let (endpoint, dialect) = pickTarget()
        var body = render(endpoint, dialect)
        for _ in 0..<Int.random(in: 1...4, using: &random) where !body.isEmpty {
            let index = Int.random(in: 0..<body.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: body[index] = UInt8.random(in: 0...255, using: &random)
            case 1: body.remove(at: index)
            case 2: body.insert(pick(Array("{}[]<>\"/:,\\&;0 a".utf8)), at: index)
            default: body.insert(contentsOf: body[index..<min(body.count, index + 8)], at: index)
            }
        }
        // A mutation can leave the request valid, or break any part of it.
        return make("random mutation", endpoint, dialect, body, [200, 400, 401, 466, 474])
    }

    // MARK: Rendering

    /// A valid request of `endpoint` in `dialect`, with `slots` replaced.
    func render(_ endpoint: Endpoint, _ dialect: WireDialect, _ slots: [Slot: [UInt8]?] = [:]) -> [UInt8] {
        func value(_ slot: Slot, _ fallback: [UInt8]?) -> [UInt8]? {
            if let replaced = slots[slot] { return replaced }
            return fallback
        }
        let text: (String) -> [UInt8] = { text in dialect == .json ? Array("\"\(text)\"".utf8) : Array(text.utf8) }
        let authentication = value(
            .authentication, members([("key", value(.key, text(key))), ("hash", value(.hash, text(hash)))], dialect))
        let blacklist: [UInt8]?
        if endpoint == .changes {
            blacklist = value(
                .blacklist,
                members([("after", value(.after, text("0"))), ("limit", value(.limit, text("10")))], dialect))
        } else if endpoint.readsPages {
            let filter = value(.filter, members([("start", value(.start, text("2026-01-01 00:00:00")))], dialect))
            blacklist = value(
                .blacklist,
                members(
                    [
                        ("filter", filter), ("page", value(.page, text("1"))),
                        ("rowCount", value(.rowCount, text("10"))),
                    ],
                    dialect))
        } else if endpoint.isBatch {
            // The slot's number first, then one that is always there.
            let numbers = [value(.number, text("905321234567")), text("5321234568")].compactMap { $0 }
            let array = [UInt8]("[".utf8) + Array(numbers.joined(separator: [UInt8(ascii: ",")])) + [UInt8]("]".utf8)
            blacklist = value(
                .blacklist,
                members(
                    [("numbers", array), ("reason", value(.reason, nil)), ("until", value(.until, nil))], dialect))
        } else {
            blacklist = value(
                .blacklist,
                members(
                    [
                        ("number", value(.number, text("905321234567"))), ("reason", value(.reason, nil)),
                        ("until", value(.until, nil)),
                    ], dialect))
        }
        let request = value(
            .request,
            members(
                [("authentication", authentication), ("blacklist", blacklist), ("extra", value(.extra, nil))], dialect))
        return members([("request", request)], dialect) ?? []
    }

    /// An object of `members` (JSON) or the elements for them (XML); `nil` values are left out.
    private func members(_ members: [(String, [UInt8]?)], _ dialect: WireDialect) -> [UInt8]? {
        var out: [UInt8] = []
        switch dialect {
        case .json:
            out.append(UInt8(ascii: "{"))
            for (name, value) in members {
                guard let value else { continue }
                if out.count > 1 { out.append(UInt8(ascii: ",")) }
                out += Array("\"\(name)\":".utf8) + value
            }
            out.append(UInt8(ascii: "}"))
        case .xml:
            for (name, value) in members {
                guard let value else { continue }
                out += Array("<\(name)>".utf8) + value + Array("</\(name)>".utf8)
            }
        }
        return out
    }

    private func quoted(_ text: String, _ dialect: WireDialect) -> [UInt8] {
        dialect == .json ? Array("\"\(text)\"".utf8) : Array(text.utf8)
    }

    private func xmlName(_ slot: Slot) -> String { "\(slot)" }

    private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    // MARK: Choices

    private mutating func pick<Element>(_ choices: [Element]) -> Element {
        choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    private mutating func pickTarget() -> (Endpoint, WireDialect) {
        let endpoint = pick(Endpoint.allCases)
        return (endpoint, pick(endpoint.dialects))
    }

    private mutating func make(
        _ kind: String, _ endpoint: Endpoint, _ dialect: WireDialect, _ body: [UInt8], _ allowed: Set<Int>
    ) -> MalformedRequest {
        MalformedRequest(
            kind: kind, method: .post, endpoint: endpoint, dialect: dialect, contentType: pick(Self.contentTypes),
            body: body, allowed: allowed)
    }
}
