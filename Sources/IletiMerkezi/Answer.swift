import EngelWire
import Foundation
import NIOCore

/// `response` of an answer, read leniently: the live API has sent `count` (and may send `code`) as
/// a string, and an SDK should not fail on what the server means.
struct AnswerBody: Decodable {
    var status: AnswerStatus
    var blacklist: AnswerList?

    init(status: AnswerStatus, blacklist: AnswerList? = nil) {
        self.status = status
        self.blacklist = blacklist
    }

    private struct Envelope: Decodable {
        var response: AnswerBody
    }

    /// The successful answer in `bytes`, or the error it carries.
    ///
    /// The body is read whatever the HTTP status: the API answers errors with the envelope and an
    /// HTTP status equal to its code.
    static func decode(_ bytes: ByteBuffer, httpStatus: Int) throws(IletiMerkeziError) -> AnswerBody {
        let data = Data(bytes.readableBytesView)
        guard let answer = try? JSONDecoder().decode(Envelope.self, from: data).response,
            let code = try? answer.status.code.value(field: "code")
        else {
            // Gateways in front of the API answer 502–504 with their own pages: the API is unavailable.
            let kind: IletiMerkeziError.Kind = (502...504).contains(httpStatus) ? .serverUnavailable : .unexpectedAnswer
            throw IletiMerkeziError(
                kind, code: httpStatus, message: "HTTP \(httpStatus) without an envelope: \(excerpt(data))")
        }
        if let error = IletiMerkeziError.fromStatus(code: code, message: answer.status.message) {
            throw error
        }
        return answer
    }

    private static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(120), as: UTF8.self)
            .replacingOccurrences(of: "\n", with: " ")
        return text.isEmpty ? "(empty body)" : text
    }
}

struct AnswerStatus: Decodable {
    var code: LooseInteger
    var message: String

    init(code: LooseInteger, message: String) {
        self.code = code
        self.message = message
    }

    private enum CodingKeys: String, CodingKey { case code, message }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(LooseInteger.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

struct AnswerList: Decodable {
    var count: LooseInteger
    var number: [String]?
}
