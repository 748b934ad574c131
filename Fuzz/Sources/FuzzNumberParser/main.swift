import EngelCore

let parser = PhoneNumberParser()

// libFuzzer calls this with each input; it owns `main`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumberParser(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    guard let number = parser.number(from: text) else { return 0 }
    // Whatever parses is canonical: ten national digits of an allocated block, the input's last ten
    // digits, and both output forms parse back to the same number.
    precondition((5_000_000_000...5_999_999_999).contains(number.national), "\(number.national) from \(text)")
    precondition(MobilePrefixes.turkishMobile.contains(Int(number.national / 10_000_000)), "prefix of \(text)")
    precondition(String(text.filter(\.isASCII).filter(\.isNumber).suffix(10)) == number.nationalDigits, "\(text)")
    precondition(parser.number(from: number.international) == number, "international of \(text)")
    precondition(parser.number(from: number.nationalDigits) == number, "national digits of \(text)")
    return 0
}
