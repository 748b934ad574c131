import Benchmark
import EngelCore
import EngelWire
import Foundation

/// The pure functions every request runs through, measured without I/O so a regression in one of
/// them shows against the committed baseline (`scripts/microbench`).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: 1_000_000
    )

    let parser = PhoneNumberParser()
    let spellings = ["905321234567", "+90 532 123 45 67", "0532 123 4567", "5321234567", "(0532) 123-45-67"]
    Benchmark("number normalization (5 spellings)") { benchmark in
        for _ in benchmark.scaledIterations {
            for spelling in spellings {
                blackHole(parser.number(from: spelling))
            }
        }
    }

    let issued = IssuedCredentials.generate()
    let addBody = Array(
        """
        {"request":{"authentication":{"key":"\(issued.key)","hash":"\(issued.hash)"},\
        "blacklist":{"number":"905321234567"}}}
        """.utf8)
    let listBody = Array(
        """
        {"request":{"authentication":{"key":"\(issued.key)","hash":"\(issued.hash)"},\
        "blacklist":{"filter":{"start":"2026-04-01 00:00:00","end":"2026-12-31 23:59:59"},"page":"3","rowCount":"100"}}}
        """.utf8)
    let codec = JSONWireCodec()
    Benchmark("decode add-blacklist JSON") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? codec.decode(NumberPayload.self, from: addBody))
        }
    }
    Benchmark("decode get-blacklist JSON with filter") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? codec.decode(ListPayload.self, from: listBody))
        }
    }

    let numbers = (0..<100).compactMap { parser.number(from: "90532\(String(format: "%07d", $0 * 7919))") }
    let page = BlacklistPage(numbers: numbers, count: 1_000_000)
    Benchmark("encode a page of 100 numbers (JSON)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(ResponseWriter.page(page))
        }
    }

    let stored = issued.hashDigest
    Benchmark("verify credentials (digest and constant-time compare)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(HashDigest(of: issued.hash).matches(stored))
        }
    }
}
