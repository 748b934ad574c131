import EngelCore
import EngelWire
import Foundation

// libFuzzer calls this with each input; it owns `main`. Any crash, trap or sanitizer report is a
// finding: the server runs exactly this code on every request body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestDecoder(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let body = Array(UnsafeRawBufferPointer(start: start, count: count))
    for codec in [JSONWireCodec(), XMLWireCodec()] as [any WireCodec] {
        read(NumberPayload.self, body, codec)
        read(ListPayload.self, body, codec)
    }
    return 0
}

/// Reads the body as the server does, in the server's order; each failure must be the status the
/// contract gives it.
func read<Payload: WirePayload>(_ type: Payload.Type, _ body: [UInt8], _ codec: any WireCodec) {
    let received: ReceivedRequest<Payload>
    do {
        received = try codec.decode(Payload.self, from: body)
    } catch {
        precondition(error.status == .badRequest, "decoding failed with \(error)")
        return
    }
    do {
        _ = try received.credentials()
    } catch {
        precondition(error.status == .unauthorized, "credentials failed with \(error)")
    }
    do {
        switch try received.blacklist() {
        case let list as ListPayload:
            _ = try list.pageRequest()
            _ = try list.dateFilter()
        case let number as NumberPayload:
            _ = PhoneNumberParser().number(from: number.number)
        default:
            break
        }
    } catch {
        precondition(error.status == .badRequest, "the blacklist part failed with \(error)")
    }
}
