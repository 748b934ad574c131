import EngelCore
import EngelTestSupport
import Testing

@testable import EngelStores

/// The mirrored lists' set of numbers: 4 bytes a slot, so it must hold exactly the numbers the
/// parser makes, and stay a set through growth and removals.
@Suite("National number set")
struct NationalNumberSetTests {
    @Test("holds the lowest and highest ten-digit numbers starting with 5, and nothing outside")
    func bounds() throws {
        #expect(NationalNumberSet.offset(of: 5_000_000_000) == 0)
        #expect(NationalNumberSet.offset(of: 5_999_999_999) == 999_999_999)
        #expect(NationalNumberSet.offset(of: 4_999_999_999) == nil)
        #expect(NationalNumberSet.offset(of: 6_000_000_000) == nil)
        let parser = PhoneNumberParser()
        for prefix in MobilePrefixes.turkishMobile.sorted {
            for subscriber in ["0000000", "9999999"] {
                #expect(NationalNumberSet.offset(of: try parser.parse("\(prefix)\(subscriber)").national) != nil)
            }
        }

        var set = NationalNumberSet()
        let insertions = [set.insert(5_000_000_000), set.insert(5_999_999_999), set.insert(5_999_999_999)]
        #expect(insertions == [true, true, false])
        #expect(set.contains(5_000_000_000) && set.contains(5_999_999_999))
        for outside: Int64 in [0, -1, 4_999_999_999, 6_000_000_000, .max, .min] {
            #expect(!set.contains(outside))
            #expect(set.remove(outside) == false)
        }
        #expect(set.count == 2)
    }

    @Test("matches a Set through growth, and removals amid long and wrapping probe runs", arguments: [40, 20_000])
    func matchesModel(range: Int) {
        var generator = SeededGenerator(seed: UInt64(range))
        var set = NationalNumberSet()
        var model = Set<Int64>()
        var disagreements = 0
        for step in 1...200_000 {
            // Neighbouring numbers, as bulk loads give, drawn from few enough that removals hit.
            let national = 5_320_000_000 + Int64(Int.random(in: 0..<range, using: &generator))
            if Int.random(in: 0..<3, using: &generator) < 2 {
                if set.insert(national) != model.insert(national).inserted { disagreements += 1 }
            } else {
                if set.remove(national) != (model.remove(national) != nil) { disagreements += 1 }
            }
            if step % 20_000 == 0 {
                disagreements +=
                    (0..<Int64(range)).filter {
                        set.contains(5_320_000_000 + $0) != model.contains(5_320_000_000 + $0)
                    }.count
                #expect(set.count == model.count)
            }
        }
        #expect(disagreements == 0)
    }
}
