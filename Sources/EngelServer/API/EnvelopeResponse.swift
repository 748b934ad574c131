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
            headers: EnvelopeFields.of(codec),
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: codec.encode(answer))))
    }

    /// The envelope carrying only `status`, in `codec`'s dialect.
    static func envelope(_ status: APIStatus, codec: any WireCodec = JSONWireCodec()) -> Response {
        envelope(.status(status), codec: codec)
    }
}

/// An answer made without suspending (see ``EngelResponder/respondAtOnce(to:body:logger:clientAddress:)``):
/// its head, and its body whole.
struct ImmediateResponse: Sendable {
    var head: HTTPResponse
    var body: ByteBuffer

    /// `answer` written by `codec`, as ``Hummingbird/Response/envelope(_:codec:)`` writes it.
    static func envelope(_ answer: BlacklistAnswer, codec: any WireCodec) -> ImmediateResponse {
        let status = answer.status
        let body = ByteBuffer(bytes: codec.encode(answer))
        var fields = EnvelopeFields.of(codec)
        fields[.contentLength] = String(body.readableBytes)
        return ImmediateResponse(
            head: HTTPResponse(
                status: HTTPResponse.Status(code: status.code, reasonPhrase: status.reasonPhrase), headerFields: fields),
            body: body)
    }
}

/// The header fields of an envelope in each dialect, made once rather than for every answer.
enum EnvelopeFields {
    static func of(_ codec: any WireCodec) -> HTTPFields {
        codec.dialect == .xml ? xml : json
    }

    private static let json: HTTPFields = [.contentType: JSONWireCodec().contentType]
    private static let xml: HTTPFields = [.contentType: XMLWireCodec().contentType]
}
