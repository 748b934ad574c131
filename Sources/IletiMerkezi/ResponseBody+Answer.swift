import EngelWire
import Foundation
import NIOCore

extension ResponseBody {
    /// The successful answer in `bytes`, or the error it carries.
    ///
    /// The body is read whatever the HTTP status: the API answers errors with the envelope and an
    /// HTTP status equal to its code. ``ResponseEnvelope`` reads what the live API sends as well as
    /// what its documentation shows.
    static func decode(_ bytes: ByteBuffer, httpStatus: Int) throws(IletiMerkeziError) -> ResponseBody {
        let data = Data(bytes.readableBytesView)
        guard let answer = try? JSONDecoder().decode(ResponseEnvelope.self, from: data).response else {
            // Gateways in front of the API answer 502–504 with their own pages: the API is unavailable.
            let kind: IletiMerkeziError.Kind = (502...504).contains(httpStatus) ? .serverUnavailable : .unexpectedAnswer
            throw IletiMerkeziError(
                kind, code: httpStatus, message: "HTTP \(httpStatus) without an envelope: \(excerpt(data))")
        }
        if let error = IletiMerkeziError.fromStatus(code: answer.status.code, message: answer.status.message) {
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
