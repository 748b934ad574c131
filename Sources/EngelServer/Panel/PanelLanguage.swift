/// The languages the panel speaks.
public enum PanelLanguage: String, Sendable, Hashable, CaseIterable {
    /// Turkish.
    case turkish = "tr"
    /// English, the default when the browser prefers neither.
    case english = "en"

    /// The language to answer in.
    ///
    /// An explicit choice (`override`, the `lang` query or cookie value: `tr`, `en`, or a tag such
    /// as `tr-TR`) wins when it names a panel language. Otherwise the browser's `Accept-Language`
    /// decides: the panel language with the highest q-value (RFC 9110 §12.5.4), the earlier one in
    /// the header on a tie, where `*` stands for any language the header does not name and `q=0`
    /// means "not this one". With neither, English.
    ///
    /// - Parameters:
    ///   - acceptLanguage: The `Accept-Language` header's value, if any.
    ///   - override: The user's explicit choice, if any; an unknown value is ignored.
    public static func negotiate(acceptLanguage: String?, override: String?) -> PanelLanguage {
        if let override, let chosen = PanelLanguage(tag: override) { return chosen }
        guard let acceptLanguage else { return .english }
        // Each language's weight and the position of the range that gave it.
        var named: [PanelLanguage: (quality: Double, order: Int)] = [:]
        var wildcard: (quality: Double, order: Int)?
        for (order, range) in acceptLanguage.split(separator: ",").enumerated() {
            let parts = range.split(separator: ";")
            guard let tag = parts.first?.trimmingSpaces, !tag.isEmpty else { continue }
            let quality = Self.quality(parts.dropFirst())
            if tag == "*" {
                if wildcard == nil { wildcard = (quality, order) }
            } else if let language = PanelLanguage(tag: tag), named[language] == nil {
                // The first range naming a language sets its weight: `tr-TR, tr;q=0` stays Turkish.
                named[language] = (quality, order)
            }
        }
        // English is listed first, so it wins a tie that only `*` decided.
        let candidates = [PanelLanguage.english, .turkish].compactMap { language in
            (named[language] ?? wildcard).map { (language: language, quality: $0.quality, order: $0.order) }
        }
        let preferred = candidates.filter { $0.quality > 0 }.min { left, right in
            left.quality != right.quality ? left.quality > right.quality : left.order < right.order
        }
        return preferred?.language ?? .english
    }

    /// Reads a language tag: `tr`, `TR`, `tr-TR`, `tr_TR` are Turkish; `en`, `en-GB` English.
    init?(tag: some StringProtocol) {
        let primary = tag.trimmingSpaces.lowercased().split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? ""
        switch primary {
        case "tr": self = .turkish
        case "en": self = .english
        default: return nil
        }
    }

    /// The q-value among a range's parameters: 1 when absent, 0 when malformed (a range the
    /// browser wrote wrongly is not a preference).
    private static func quality(_ parameters: ArraySlice<Substring>) -> Double {
        for parameter in parameters {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces.lowercased() == "q" else { continue }
            guard let value = Double(pair[1].trimmingSpaces), (0...1).contains(value) else { return 0 }
            return value
        }
        return 1
    }

    /// The other language, for the header's switch.
    var other: PanelLanguage { self == .turkish ? .english : .turkish }
}

extension StringProtocol {
    /// The text without surrounding spaces and tabs (the header's optional white space).
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
