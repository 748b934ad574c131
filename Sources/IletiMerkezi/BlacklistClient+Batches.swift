import EngelCore
import EngelWire
public import Foundation

extension BlacklistClient {
    /// The most numbers one request of Engel's batch methods carries; longer calls are split.
    public static let batchLimit = NumberBatch.maximumCount

    /// Engel's own methods, which the live API answers with the 404 envelope.
    enum BatchMethod {
        static let check = "check-blacklist/json"
        static let add = "bulk-add-blacklist/json"
        static let remove = "bulk-delete-blacklist/json"
    }

    /// Which of `numbers` are listed, and which are not Turkish mobile numbers.
    ///
    /// Sends one `check-blacklist` request per ``batchLimit`` numbers, at most `concurrency` at
    /// once; it never changes the list. A server without that method (the live API answers it with
    /// the 404 envelope) is remembered, and its list is read page by page instead, once per call,
    /// stopping when every number asked about has been seen; validity is then judged by this
    /// library's own number rules, since the API has no check that leaves the list alone.
    ///
    /// With `detail`, the result's ``CheckResult/entries`` tell each listed number's story (when,
    /// from where, why, until when, by whom). Only Engel's check-blacklist can tell it: a server
    /// without that method fails the call with ``IletiMerkeziError/Kind/unknownMethod``.
    /// - Throws: ``IletiMerkeziError`` for a failure of any request, such as wrong credentials.
    public func check(_ numbers: [String], detail: Bool = false, concurrency: Int = 2)
        async throws(IletiMerkeziError) -> CheckResult
    {
        guard !numbers.isEmpty else { return CheckResult(listed: [], invalid: [], memberships: []) }
        var checked: [Checked]?
        if !missingMethods.isMissing(BatchMethod.check) {
            do throws(IletiMerkeziError) {
                checked = try await inBatches(numbers, concurrency: concurrency) {
                    batch throws(IletiMerkeziError) in
                    try await checkBatch(batch, detail: detail)
                }.outcomes
            } catch  where error.kind == .unknownMethod {
                missingMethods.remember(BatchMethod.check)
                if detail { throw error }
            }
        } else if detail {
            throw IletiMerkeziError(
                .unknownMethod, code: 404, message: "the server has no check-blacklist, so no entries in detail")
        }
        let found: [Checked]
        if let checked {
            found = checked
        } else {
            found = try await checkByPaging(numbers).map { Checked(membership: $0, entry: nil) }
        }
        var listed: [String] = []
        var entries: [Entry] = []
        var seen: Set<String> = []
        var invalid: [String] = []
        for (text, checked) in zip(numbers, found) {
            switch checked.membership {
            case .listed(let number):
                if seen.insert(number).inserted {
                    listed.append(number)
                    if let entry = checked.entry { entries.append(entry) }
                }
            case .notListed: break
            case .invalid: invalid.append(text)
            }
        }
        return CheckResult(listed: listed, invalid: invalid, memberships: found.map(\.membership), entries: entries)
    }

    /// One input's answer from check-blacklist: its membership, and its entry when asked for.
    struct Checked: Sendable {
        let membership: Membership
        let entry: Entry?
    }

    /// Blocks every number in `numbers` and tells, per input and in input order, what became of it.
    ///
    /// `reason` and `until` apply to every number, as for ``add(_:reason:until:)``: a number already
    /// listed whose block ends before `until` (or that `until` makes forever) has its end moved and
    /// is still ``AddOutcome/alreadyListed``.
    ///
    /// Sends one `bulk-add-blacklist` request per ``batchLimit`` numbers, at most `concurrency` at
    /// once; each is one durable commit on an Engel server. A server without that method (the live
    /// API) is remembered, and each distinct number is then sent to add-blacklist, `concurrency` at
    /// once: it cannot tell a new number from a listed one, so both are ``AddOutcome/added``.
    ///
    /// `progress`, when given, is called as requests are answered with how many inputs they
    /// settled; the calls add up to `numbers.count` when the call succeeds.
    /// - Throws: ``IletiMerkeziError`` when a request fails (after retries); requests answered
    ///   before it stay applied, and calling again with the same numbers is safe.
    public func add(
        contentsOf numbers: [String], reason: String? = nil, until: Date? = nil, concurrency: Int = 4,
        progress: (@Sendable (_ settled: Int) -> Void)? = nil
    ) async throws(IletiMerkeziError) -> [AddOutcome] {
        guard !numbers.isEmpty else { return [] }
        let provenance = BatchProvenance(reason: reason, until: until)
        if !missingMethods.isMissing(BatchMethod.add) {
            do throws(IletiMerkeziError) {
                let (outcomes, requests) = try await inBatches(numbers, concurrency: concurrency, progress: progress) {
                    batch throws(IletiMerkeziError) in try await bulkAdd(batch, provenance)
                }
                if requests == 1 { return outcomes }
                return Self.sameForEachNumber(numbers, outcomes, invalid: .invalid, changed: .added)
            } catch  where error.kind == .unknownMethod {
                missingMethods.remember(BatchMethod.add)
            }
        }
        return try await oneByOne(numbers, concurrency: concurrency, progress: progress) {
            number throws(IletiMerkeziError) in
            do throws(IletiMerkeziError) {
                try await add(number, reason: reason, until: until)
                return .added
            } catch  where error.kind == .invalidNumber {
                return .invalid
            }
        }
    }

    /// Unblocks every number in `numbers` and tells, per input and in input order, what became of it.
    ///
    /// `reason`, when given, goes into each removal's change record.
    ///
    /// Sends one `bulk-delete-blacklist` request per ``batchLimit`` numbers, at most `concurrency`
    /// at once. A server without that method (the live API) is remembered, and each distinct number
    /// is then sent to delete-blacklist, `concurrency` at once (474 is ``RemoveOutcome/notListed``).
    /// When a request is retried after an unknown outcome, numbers its first attempt removed are
    /// reported ``RemoveOutcome/notListed``. `progress` is called as for
    /// ``add(contentsOf:reason:until:concurrency:progress:)``.
    /// - Throws: ``IletiMerkeziError`` when a request fails (after retries); requests answered
    ///   before it stay applied.
    public func remove(
        contentsOf numbers: [String], reason: String? = nil, concurrency: Int = 4,
        progress: (@Sendable (_ settled: Int) -> Void)? = nil
    ) async throws(IletiMerkeziError) -> [RemoveOutcome] {
        guard !numbers.isEmpty else { return [] }
        let provenance = BatchProvenance(reason: reason, until: nil)
        if !missingMethods.isMissing(BatchMethod.remove) {
            do throws(IletiMerkeziError) {
                let (outcomes, requests) = try await inBatches(numbers, concurrency: concurrency, progress: progress) {
                    batch throws(IletiMerkeziError) in try await bulkRemove(batch, provenance)
                }
                if requests == 1 { return outcomes }
                return Self.sameForEachNumber(numbers, outcomes, invalid: .invalid, changed: .removed)
            } catch  where error.kind == .unknownMethod {
                missingMethods.remember(BatchMethod.remove)
            }
        }
        return try await oneByOne(numbers, concurrency: concurrency, progress: progress) {
            number throws(IletiMerkeziError) in
            do throws(IletiMerkeziError) {
                try await remove(number, reason: reason)
                return .removed
            } catch  where error.kind == .notListed {
                return .notListed
            } catch  where error.kind == .invalidNumber {
                return .invalid
            }
        }
    }

    // MARK: One batch

    /// What a batch request says beside its numbers.
    struct BatchProvenance: Sendable {
        var reason: String?
        var until: Date?
        var detail: Bool?
    }

    private func checkBatch(_ batch: [String], detail: Bool) async throws(IletiMerkeziError) -> [Checked] {
        let answer = try await sendBatch(
            BatchMethod.check, batch, BatchProvenance(detail: detail ? true : nil), answer: CheckResultPayload.self)
        let invalid = Set(answer.invalid.map(\.text))
        let listed = Set(answer.number.map(Self.nationalDigits))
        var entryOf: [String: Entry] = [:]
        if detail {
            guard let entries = answer.entries else {
                throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "a detailed check without entries")
            }
            for payload in entries {
                entryOf[Self.nationalDigits(payload.number)] = try Entry(payload)
            }
        }
        return batch.map { text in
            if invalid.contains(text) { return Checked(membership: .invalid, entry: nil) }
            let national = Self.nationalDigits(text)
            return listed.contains(national)
                ? Checked(membership: .listed("+90" + national), entry: entryOf[national])
                : Checked(membership: .notListed("+90" + national), entry: nil)
        }
    }

    private func bulkAdd(_ batch: [String], _ provenance: BatchProvenance) async throws(IletiMerkeziError)
        -> [AddOutcome]
    {
        let answer = try await sendBatch(BatchMethod.add, batch, provenance, answer: BulkAddResultPayload.self)
        return Self.outcomes(
            of: batch, invalid: answer.invalid, unchanged: answer.alreadyListed,
            distinctNumbers: answer.added + answer.alreadyListed.count,
            as: (changed: .added, unchanged: .alreadyListed, invalid: .invalid))
    }

    private func bulkRemove(_ batch: [String], _ provenance: BatchProvenance) async throws(IletiMerkeziError)
        -> [RemoveOutcome]
    {
        let answer = try await sendBatch(BatchMethod.remove, batch, provenance, answer: BulkDeleteResultPayload.self)
        return Self.outcomes(
            of: batch, invalid: answer.invalid, unchanged: answer.notListed,
            distinctNumbers: answer.removed + answer.notListed.count,
            as: (changed: .removed, unchanged: .notListed, invalid: .invalid))
    }

    /// Each input's outcome from a bulk answer: `invalid` lists every invalid input as given,
    /// `unchanged` the first form given of each number left as it was, and `distinctNumbers`
    /// counts the valid numbers.
    static func outcomes<Outcome>(
        of batch: [String], invalid: [NumberInput], unchanged: [NumberInput], distinctNumbers: Int,
        as outcome: (changed: Outcome, unchanged: Outcome, invalid: Outcome)
    ) -> [Outcome] {
        if invalid.isEmpty && unchanged.isEmpty { return Array(repeating: outcome.changed, count: batch.count) }
        let invalidTexts = Set(invalid.map(\.text))
        if batch.count - invalid.count == distinctNumbers {
            // No number was given twice, so each one's first form is its only one: the texts match.
            let unchangedTexts = Set(unchanged.map(\.text))
            return batch.map { text in
                invalidTexts.contains(text)
                    ? outcome.invalid : unchangedTexts.contains(text) ? outcome.unchanged : outcome.changed
            }
        }
        let unchangedNumbers = Set(unchanged.map { nationalDigits($0.text) })
        return batch.map { text in
            invalidTexts.contains(text)
                ? outcome.invalid
                : unchangedNumbers.contains(nationalDigits(text)) ? outcome.unchanged : outcome.changed
        }
    }

    private func sendBatch<Payload: Decodable>(
        _ method: String, _ batch: [String], _ provenance: BatchProvenance, answer: Payload.Type
    ) async throws(IletiMerkeziError) -> Payload {
        let payload = NumbersPayload(
            numbers: batch.map(NumberInput.text), reason: provenance.reason,
            until: provenance.until.map(TurkeyTime.format), detail: provenance.detail)
        guard let answer = try await send(method, payload, answer: answer) else {
            throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "a batch answer without a blacklist")
        }
        return answer
    }

    /// `outcomes` with every form of a number given one outcome, as one request counts a number
    /// given twice once: a call split into several requests answers as one would.
    ///
    /// Batches run concurrently, so the batch that changed the list may be a later one; when any
    /// form of a number reports the change (`changed`), that is every form's outcome.
    static func sameForEachNumber<Outcome: Equatable>(
        _ numbers: [String], _ outcomes: [Outcome], invalid: Outcome, changed: Outcome
    ) -> [Outcome] {
        var outcomeOf: [String: Outcome] = [:]
        for (text, outcome) in zip(numbers, outcomes) where outcome != invalid {
            let national = nationalDigits(text)
            if outcomeOf[national] != changed { outcomeOf[national] = outcome }
        }
        return zip(numbers, outcomes).map { text, outcome in
            outcome == invalid ? outcome : outcomeOf[nationalDigits(text)] ?? outcome
        }
    }

    /// The last ten digits of `text`: the national number of every form a server takes as valid.
    ///
    /// The server judges validity; this only matches the inputs it took as valid to each other and
    /// to its answer, so it needs no prefix table that could differ from the server's.
    static func nationalDigits(_ text: String) -> String {
        let digits = text.utf8.filter { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return String(decoding: digits.suffix(10), as: UTF8.self)
    }

    // MARK: Without the batch methods

    /// Reads the list page by page until every valid number of `numbers` has been seen.
    private func checkByPaging(_ numbers: [String]) async throws(IletiMerkeziError) -> [Membership] {
        let parser = PhoneNumberParser()
        let nationals = numbers.map { parser.number(from: $0)?.nationalDigits }
        var unseen = Set(nationals.compactMap { $0 })
        var listed: Set<String> = []
        var pages = pages().makeAsyncIterator()
        walk: while !unseen.isEmpty, let page = try await pages.next() {
            for number in page.numbers {
                let national = Self.nationalDigits(number)
                if unseen.remove(national) != nil {
                    listed.insert(national)
                    if unseen.isEmpty { break walk }
                }
            }
        }
        return nationals.map { national in
            guard let national else { return .invalid }
            return listed.contains(national) ? .listed("+90" + national) : .notListed("+90" + national)
        }
    }

    /// Sends each distinct number of `numbers` once through `send`, `concurrency` at once, and
    /// gives every input the outcome of its number.
    ///
    /// Forms of one number (by this library's rules) are sent once, as the batch methods count
    /// them once; what is not a number by those rules is sent as it is, for the server to judge.
    private func oneByOne<Outcome: Sendable>(
        _ numbers: [String], concurrency: Int, progress: (@Sendable (Int) -> Void)?,
        _ send: @escaping @Sendable (String) async throws(IletiMerkeziError) -> Outcome
    ) async throws(IletiMerkeziError) -> [Outcome] {
        let parser = PhoneNumberParser()
        var distinct: [String] = []
        var indexOfKey: [String: Int] = [:]
        var indexOfInput: [Int] = []
        indexOfInput.reserveCapacity(numbers.count)
        for text in numbers {
            let key = parser.number(from: text).map { "+90" + $0.nationalDigits } ?? text
            if let index = indexOfKey[key] {
                indexOfInput.append(index)
            } else {
                indexOfKey[key] = distinct.count
                indexOfInput.append(distinct.count)
                distinct.append(text)
            }
        }
        var inputsOf = [Int](repeating: 0, count: distinct.count)
        for index in indexOfInput { inputsOf[index] += 1 }
        let outcomes = try await orderedMap(distinct, concurrency: concurrency, send) { progress?(inputsOf[$0]) }
        return indexOfInput.map { outcomes[$0] }
    }

    /// `numbers` in batches of at most ``batchLimit`` (and of a body the server takes), sent through `send` `concurrency` at once;
    /// the batches' results joined in input order, and how many requests it took.
    private func inBatches<Outcome: Sendable>(
        _ numbers: [String], concurrency: Int, progress: (@Sendable (Int) -> Void)? = nil,
        _ send: @escaping @Sendable ([String]) async throws(IletiMerkeziError) -> [Outcome]
    ) async throws(IletiMerkeziError) -> (outcomes: [Outcome], requests: Int) {
        let batches = Self.batchRanges(numbers).map { Array(numbers[$0]) }
        let outcomes = try await orderedMap(batches, concurrency: concurrency, send) { progress?(batches[$0].count) }
        return (outcomes.count == 1 ? outcomes[0] : outcomes.flatMap { $0 }, batches.count)
    }
}

extension BlacklistClient {
    /// The bytes the numbers of one request may take as JSON: an Engel server refuses a batch body
    /// over 2,097,152 bytes by default (`--max-bulk-body-bytes`), and the envelope around the
    /// numbers takes a few hundred.
    static let batchByteBudget = 2_000_000

    /// Consecutive ranges of `numbers`, each of at most `limit` numbers whose JSON strings take at
    /// most `byteBudget` bytes (a single number over the budget goes alone). Numbers are short, so
    /// only inputs with long junk lines are split by bytes before they reach the count.
    static func batchRanges(
        _ numbers: [String], limit: Int = batchLimit, byteBudget: Int = batchByteBudget
    ) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        var bytes = 0
        for (index, number) in numbers.enumerated() {
            // Quotes and a comma, and up to six bytes for a character JSON escapes.
            let size = number.utf8.reduce(3) { $0 + ($1 < 0x20 || $1 == 0x22 || $1 == 0x5C ? 6 : 1) }
            if index > start && (index - start == limit || bytes + size > byteBudget) {
                ranges.append(start..<index)
                start = index
                bytes = 0
            }
            bytes += size
        }
        if start < numbers.count { ranges.append(start..<numbers.count) }
        return ranges
    }
}

/// `transform` applied to each of `elements`, at most `concurrency` at once, the results in the
/// elements' order; `finished` is told the index of each element done. The first failure starts
/// no more work, cancels what runs, and is thrown.
func orderedMap<Element: Sendable, Mapped: Sendable>(
    _ elements: [Element], concurrency: Int,
    _ transform: @escaping @Sendable (Element) async throws(IletiMerkeziError) -> Mapped,
    finished: (Int) -> Void = { _ in }
) async throws(IletiMerkeziError) -> [Mapped] {
    var results = [Mapped?](repeating: nil, count: elements.count)
    var failure: IletiMerkeziError?
    await withTaskGroup(of: (Int, Result<Mapped, IletiMerkeziError>).self) { group in
        var started = 0
        func startNext() {
            guard started < elements.count else { return }
            let index = started
            let element = elements[index]
            started += 1
            group.addTask {
                do throws(IletiMerkeziError) {
                    return (index, .success(try await transform(element)))
                } catch {
                    return (index, .failure(error))
                }
            }
        }
        for _ in 0..<min(max(1, concurrency), elements.count) { startNext() }
        while let (index, result) = await group.next() {
            switch result {
            case .success(let mapped):
                results[index] = mapped
                finished(index)
                if failure == nil && !Task.isCancelled { startNext() }
            case .failure(let error):
                if failure == nil {
                    failure = error
                    group.cancelAll()
                }
            }
        }
    }
    if let failure { throw failure }
    let mapped = results.compactMap { $0 }
    guard mapped.count == elements.count else {
        // Only a cancelled caller leaves work undone without a failure.
        throw IletiMerkeziError(.transport, code: nil, message: "cancelled")
    }
    return mapped
}
