/// A number as a client sent it: a string, or (in JSON) an integer literal, kept as its digits so
/// that an answer can give it back in the form it came.
public enum NumberInput: Sendable, Hashable {
    /// A JSON string, or the text of an XML element.
    case text(String)
    /// A JSON integer literal without sign, fraction or exponent: its digits, however many.
    case integer(digits: String)

    /// The text the number parser reads.
    public var text: String {
        switch self {
        case .text(let text): text
        case .integer(let digits): digits
        }
    }
}

/// The numbers of a batch method (`blacklist.numbers`), parsed: each valid number once, in the
/// order first given, and every invalid input.
///
/// A number given twice, in any forms, counts once; answers that list inputs give the first form
/// given of each valid number and each invalid occurrence in input order (DESIGN.md, "Beyond the
/// three methods").
public struct NumberBatch: Sendable, Hashable {
    /// The most elements a batch may have.
    public static let maximumCount = 50_000

    /// The distinct valid numbers, in the order first given.
    public let numbers: [PhoneNumber]
    /// The form each of ``numbers`` was first given in, at the same index.
    public let forms: [NumberInput]
    /// Every input that is not a Turkish mobile number, in input order, repeats included.
    public let invalid: [NumberInput]

    /// Parses `inputs` with `parser`; ``APIStatus/badRequest`` for an empty batch or one of more
    /// than ``maximumCount`` elements.
    public init(_ inputs: [NumberInput], parser: PhoneNumberParser) throws(APIError) {
        guard !inputs.isEmpty else { throw APIError(.badRequest, "blacklist.numbers is empty") }
        guard inputs.count <= Self.maximumCount else {
            throw APIError(.badRequest, "blacklist.numbers has more than \(Self.maximumCount) elements")
        }
        var numbers: [PhoneNumber] = []
        var forms: [NumberInput] = []
        var invalid: [NumberInput] = []
        var seen: Set<PhoneNumber> = []
        numbers.reserveCapacity(inputs.count)
        forms.reserveCapacity(inputs.count)
        seen.reserveCapacity(inputs.count)
        for input in inputs {
            guard let number = parser.number(from: input.text) else {
                invalid.append(input)
                continue
            }
            guard seen.insert(number).inserted else { continue }
            numbers.append(number)
            forms.append(input)
        }
        self.numbers = numbers
        self.forms = forms
        self.invalid = invalid
    }

    /// The forms of the numbers for which `isChosen` is true at the same index of ``numbers``.
    public func forms(where isChosen: [Bool]) -> [NumberInput] {
        zip(forms, isChosen).compactMap { form, chosen in chosen ? form : nil }
    }
}
