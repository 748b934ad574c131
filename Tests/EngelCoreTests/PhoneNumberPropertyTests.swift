import EngelCore
import PropertyBased
import Testing

@Suite("Phone numbers: properties")
struct PhoneNumberPropertyTests {
    static let parser = PhoneNumberParser()
    static let allocated = MobilePrefixes.turkishMobile.sorted
    /// Mobile-looking blocks that are not allocated, and landline and service prefixes.
    static let unallocated =
        (500...599).filter { !MobilePrefixes.turkishMobile.contains($0) } + [212, 216, 312, 850, 444]
    static let separators: [String] = [" ", "-", ".", "(", ")", "\t", "  ", " - "]
    static let forms: [(String, String)] = [("90", ""), ("+90", ""), ("", ""), ("0", ""), ("0090", ""), ("  ", "  ")]

    /// A subscriber of an allocated block: ten national digits.
    static let subscriber = zip(Gen.int(in: 0..<allocated.count), Gen.int(in: 0...9_999_999)).map { index, rest in
        Int64(allocated[index]) * 10_000_000 + Int64(rest)
    }

    /// `national` written in one of the accepted forms, with separators between some digits.
    static func written(_ national: Int64, form: Int, gaps: [Int]) -> String {
        let (prefix, suffix) = forms[form % forms.count]
        var text = prefix
        for (index, digit) in String(national).enumerated() {
            // About half the gaps get a separator.
            if index > 0, index < gaps.count, gaps[index] < separators.count { text += separators[gaps[index]] }
            text.append(digit)
        }
        return text + suffix
    }

    @Test("every accepted way of writing a number parses to that number")
    func acceptedForms() async {
        await propertyCheck(
            count: 500, input: Self.subscriber, Gen.int(in: 0..<Self.forms.count),
            Gen.int(in: 0..<(2 * Self.separators.count)).array(of: 10)
        ) { national, form, gaps in
            let text = Self.written(national, form: form, gaps: gaps)
            let parsed = Self.parser.number(from: text)
            #expect(parsed?.national == national, "\(text)")
        }
    }

    @Test("whatever parses is canonical: its output form and its national digits parse back to it")
    func canonical() async {
        let alphabet = Array("0123456789012345678905553+ -.()\tx")
        let text = Gen.int(in: 0..<alphabet.count).map { alphabet[$0] }.array(of: 0...18).map { String($0) }
        await propertyCheck(count: 2_000, input: Gen.oneOf(text.eraseToAnySequence(), Self.writtenText)) { text in
            guard let number = Self.parser.number(from: text) else { return }
            #expect(Self.parser.number(from: number.international) == number, "\(text)")
            #expect(Self.parser.number(from: number.nationalDigits) == number, "\(text)")
            #expect(number.international == "+90" + number.nationalDigits)
            #expect((5_000_000_000...5_999_999_999).contains(number.national))
            #expect(MobilePrefixes.turkishMobile.contains(Int(number.national / 10_000_000)))
            // The number is the input's last ten digits: nothing is invented or reordered.
            #expect(String(text.filter(\.isNumber).suffix(10)) == number.nationalDigits, "\(text)")
        }
    }

    /// Valid numbers in random accepted forms, to mix with random text.
    static let writtenText = zip(
        subscriber, Gen.int(in: 0..<forms.count), Gen.int(in: 0..<(2 * separators.count)).array(of: 10)
    ).map { national, form, gaps in written(national, form: form, gaps: gaps) }.eraseToAnySequence()

    @Test("a character that is neither a digit nor a separator makes any number invalid")
    func foreignCharacter() async {
        let foreign = Array("abcxyzOIl#*/_,;:é🙂٣\u{0}\u{200B}=")
        await propertyCheck(
            count: 500, input: Self.writtenText, Gen.int(in: 0..<foreign.count), Gen.int(in: 0...40)
        ) { text, character, position in
            var characters = Array(text)
            characters.insert(foreign[character], at: min(position, characters.count))
            let damaged = String(characters)
            #expect(Self.parser.number(from: damaged) == nil, "\(damaged)")
        }
    }

    @Test("a number outside the allocated mobile blocks is refused in every form")
    func unallocatedPrefixes() async {
        await propertyCheck(
            count: 500, input: Gen.int(in: 0..<Self.unallocated.count), Gen.int(in: 0...9_999_999),
            Gen.int(in: 0..<Self.forms.count)
        ) { index, rest, form in
            let national = Int64(Self.unallocated[index]) * 10_000_000 + Int64(rest)
            let text = Self.written(national, form: form, gaps: [])
            #expect(Self.parser.number(from: text) == nil, "\(text)")
        }
    }
}
