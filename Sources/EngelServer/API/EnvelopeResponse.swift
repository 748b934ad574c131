import EngelCore
import EngelWire
import HTTPTypes
import Hummingbird
import NIOCore

extension Response {
    /// `answer` written by `codec`, with the HTTP status equal to the envelope's code.
    static func envelope(_ answer: BlacklistAnswer, codec: any WireCodec = JSONWireCodec()) -> Response {
        let status = answer.status
        return Response(
            status: HTTPResponse.Status(code: status.code, reasonPhrase: status.reasonPhrase),
            headers: codec.dialect == .xml ? xmlHeaders : jsonHeaders,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: codec.encode(answer))))
    }

    // Made once rather than for every answer.
    private static let jsonHeaders: HTTPFields = [.contentType: JSONWireCodec().contentType]
    private static let xmlHeaders: HTTPFields = [.contentType: XMLWireCodec().contentType]

    /// The envelope carrying only `status`, in `codec`'s dialect.
    static func envelope(_ status: APIStatus, codec: any WireCodec = JSONWireCodec()) -> Response {
        envelope(.status(status), codec: codec)
    }
}
