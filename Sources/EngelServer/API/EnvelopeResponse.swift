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
            headers: [.contentType: codec.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: codec.encode(answer))))
    }

    /// The envelope carrying only `status`, in `codec`'s dialect.
    static func envelope(_ status: APIStatus, codec: any WireCodec = JSONWireCodec()) -> Response {
        envelope(.status(status), codec: codec)
    }
}
