import EngelCore
import EngelWire
import Foundation
import PropertyBased
import Testing

@Suite("Request decoding: properties")
struct DecoderPropertyTests {
    static let codecs: [any WireCodec] = [JSONWireCodec(), XMLWireCodec()]

    static let validDocuments: [[UInt8]] = [
        #"{"request":{"authentication":{"key":"k","hash":"h"},"blacklist":{"number":"905321234567"}}}"#,
        #"{"request":{"authentication":{"key":"k","hash":"h"},"blacklist":{"page":"1","rowCount":10,"filter":{"start":"2026-01-01 00:00:00","end":null}}}}"#,
        "<request><authentication><key>k</key><hash>h</hash></authentication><blacklist><number>905321234567</number></blacklist></request>",
        "<request><authentication><key>k</key><hash>h</hash></authentication><blacklist><filter><start>2026-01-01 00:00:00</start></filter><page>1</page></blacklist></request>",
        "data=%3Crequest%3E%3Cauthentication%3E%3Ckey%3Ek%3C%2Fkey%3E%3C%2Fauthentication%3E%3C%2Frequest%3E",
    ].map { Array($0.utf8) }

    /// Decodes `bytes` as each method's request in each dialect, and reads every part the server
    /// reads; any failure must be one of the protocol's own (400 for the body's shape, 401 for
    /// credentials), never a crash or another error.
    static func decodeEverywhere(_ bytes: [UInt8]) {
        for codec in codecs {
            check(NumberPayload.self, bytes, codec)
            check(ListPayload.self, bytes, codec)
        }
    }

    static func check<Payload: WirePayload>(_ type: Payload.Type, _ body: [UInt8], _ codec: any WireCodec) {
        let received: ReceivedRequest<Payload>
        do {
            received = try codec.decode(Payload.self, from: body)
        } catch {
            #expect(error.status == .badRequest, "\(error)")
            return
        }
        do {
            _ = try received.credentials()
        } catch {
            #expect(error.status == .unauthorized, "\(error)")
        }
        do {
            if let list = try received.blacklist() as? ListPayload {
                _ = try list.pageRequest()
                _ = try list.dateFilter()
            }
        } catch {
            #expect(error.status == .badRequest, "\(error)")
        }
    }

    @Test("arbitrary bytes never crash the decoders; failures are 400 or 401")
    func arbitraryBytes() async {
        await propertyCheck(count: 1_000, input: Gen<UInt8>.value(in: 0...255).array(of: 0...300)) { bytes in
            Self.decodeEverywhere(bytes)
        }
    }

    @Test("damaged valid requests never crash the decoders; failures are 400 or 401")
    func damagedRequests() async {
        let edits = zip(Gen.int(in: 0...3), Gen.int(in: 0...400), Gen<UInt8>.value(in: 0...255)).array(of: 1...6)
        await propertyCheck(count: 1_000, input: Gen.int(in: 0..<Self.validDocuments.count), edits) { index, edits in
            var bytes = Self.validDocuments[index]
            for (kind, position, byte) in edits where !bytes.isEmpty {
                let at = position % bytes.count
                switch kind {
                case 0: bytes[at] = byte
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(byte, at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 12)], at: at)
                }
            }
            Self.decodeEverywhere(bytes)
        }
    }

    @Test("the valid requests decode, with their credentials and their blacklist part")
    func validRequests() throws {
        for document in Self.validDocuments.prefix(4) {
            let codec: any WireCodec = document.first == UInt8(ascii: "{") ? JSONWireCodec() : XMLWireCodec()
            let isList = String(decoding: document, as: UTF8.self).contains("page")
            if isList {
                let received = try codec.decode(ListPayload.self, from: Array(document))
                #expect(try received.credentials().key == "k")
                #expect(try received.blacklist()?.pageRequest().page == 1)
            } else {
                let received = try codec.decode(NumberPayload.self, from: Array(document))
                #expect(try received.requiredBlacklist().number == "905321234567")
            }
        }
    }
}
