import EngelCore
import Testing

@Suite("Phone number normalization")
struct PhoneNumberParserTests {
    let parser = PhoneNumberParser()

    @Test(
        "accepted forms map to one canonical number",
        arguments: [
            ("905321234567", "+905321234567"),
            ("+905321234567", "+905321234567"),
            ("5321234567", "+905321234567"),
            ("05321234567", "+905321234567"),
            ("00905321234567", "+905321234567"),
            ("+90 532 123 45 67", "+905321234567"),
            ("0532 123 45 67", "+905321234567"),
            ("(0532) 123-45-67", "+905321234567"),
            ("532.123.45.67", "+905321234567"),
            ("+90 (532) 123 4567", "+905321234567"),
            ("  905321234567  ", "+905321234567"),
            ("905330000099", "+905330000099"),
            ("905010000000", "+905010000000"),
            ("905050047824", "+905050047824"),
            ("905100000000", "+905100000000"),
            ("905160000000", "+905160000000"),
            ("905400000000", "+905400000000"),
            ("905490000000", "+905490000000"),
            ("905500000000", "+905500000000"),
            ("905590000000", "+905590000000"),
            ("905610000000", "+905610000000"),
        ])
    func accepted(input: String, canonical: String) throws {
        let number = try parser.parse(input)
        #expect(number.international == canonical)
    }

    @Test(
        "rejected inputs are 466",
        arguments: [
            "", " ", "+", "abc", "90532123456a", "5999999999", "905999000000", "+905999000000",
            "905121234567",  // 512: paging, not mobile
            "905021234567", "905081234567", "905201234567", "905601234567", "905621234567",
            "905701234567", "905801234567", "905901234567",
            "4321234567", "904321234567", "+904321234567", "532123456", "53212345678", "9053212345678",
            "+49172574483311", "+0905321234567", "++905321234567", "90+5321234567", "905321234567+",
            "0090 532 123 45 6", "٥٣٢١٢٣٤٥٦٧", "５３２１２３４５６７", "532/123/45/67", "532_123_45_67",
            "0905321234567", "+5321234567", "+05321234567", "1905321234567", "00905321234567000",
            String(repeating: "5", count: 10_000),
        ])
    func rejected(input: String) {
        #expect(throws: APIError(.invalidNumber, "not a Turkish mobile number")) {
            try parser.parse(input)
        }
    }

    @Test("every input form of one subscriber is the same value")
    func sameSubscriber() throws {
        let forms = ["905321234567", "+905321234567", "5321234567", "05321234567", "00905321234567"]
        let numbers = try Set(forms.map { try parser.parse($0) })
        #expect(numbers.count == 1)
    }

    @Test("the prefix table is data: a parser can be given another one")
    func customPrefixes() throws {
        let narrow = PhoneNumberParser(prefixes: MobilePrefixes([532]))
        #expect(narrow.number(from: "5321234567") != nil)
        #expect(narrow.number(from: "5331234567") == nil)
        #expect(MobilePrefixes.turkishMobile.sorted.count == 37)
    }
}
