import EngelCore
import EngelWire
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// An answer carrying the envelope `body`, with the HTTP status equal to `status.code`.
    static func envelope(_ status: APIStatus, body: [UInt8]) -> Response {
        Response(
            status: HTTPResponse.Status(code: status.code, reasonPhrase: status.reasonPhrase),
            headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The envelope carrying only `status`.
    static func envelope(_ status: APIStatus) -> Response {
        envelope(status, body: ResponseWriter.status(status))
    }
}
