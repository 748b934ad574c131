import EngelCore
import EngelWire
import Foundation
import Testing

@Suite("Response envelope")
struct ResponseEnvelopeTests {
    @Test("decodes what ResponseWriter writes")
    func writerRoundTrip() throws {
        let page = BlacklistPage(numbers: [try PhoneNumberParser().parse("5321234567")], count: 7)
        let decoded = try JSONDecoder().decode(ResponseEnvelope.self, from: Data(ResponseWriter.page(page)))
        #expect(
            decoded
                == ResponseEnvelope(
                    response: ResponseBody(
                        status: StatusPayload(.success),
                        blacklist: ListResultPayload(count: 7, number: ["+905321234567"])
                    )))
    }

    @Test("reads code and count as strings of digits, a missing message as empty and missing numbers as none")
    func lenient() throws {
        let text = #"{"response":{"status":{"code":"474"},"blacklist":{"count":"12","number":null}}}"#
        let decoded = try JSONDecoder().decode(ResponseEnvelope.self, from: Data(text.utf8))
        #expect(decoded.response.status == StatusPayload(code: 474, message: ""))
        #expect(decoded.response.blacklist == ListResultPayload(count: 12, number: []))
    }

    @Test(
        "refuses a code or count that is not a whole number",
        arguments: [
            #"{"response":{"status":{"code":"two hundred","message":""}}}"#,
            #"{"response":{"status":{"code":" 200","message":""}}}"#,
            #"{"response":{"status":{"message":"İşlem başarılı"}}}"#,
            #"{"response":{"status":{"code":200},"blacklist":{"count":"-1","number":[]}}}"#,
        ])
    func strict(text: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ResponseEnvelope.self, from: Data(text.utf8)) }
    }

    @Test("encodes code and count as JSON integers")
    func encodesIntegers() throws {
        let envelope = ResponseEnvelope(
            response: ResponseBody(status: StatusPayload(.success), blacklist: ListResultPayload(count: 1, number: [])))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(envelope), as: UTF8.self)
        #expect(text.contains(#""code":200"#))
        #expect(text.contains(#""count":1"#))
    }
}
