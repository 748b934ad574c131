import EngelCore
import EngelWire
public import Foundation

extension BlacklistClient {
    /// Engel's methods for entries in detail and the change feed; the live API has neither.
    enum FeedMethod {
        static let entries = "get-blacklist-entries/json"
        static let changes = "get-blacklist-changes/json"
    }

    /// One page of the list in detail, oldest first: each entry's provenance, the count of entries
    /// matching the filter, and the change-feed position the page was read at.
    ///
    /// Takes the same paging and filter as ``page(_:rowCount:from:to:)``. Engel's own method: the
    /// live API answers it with ``IletiMerkeziError/Kind/unknownMethod``.
    public func entries(page: Int = 1, rowCount: Int = 1000, from: Date? = nil, to: Date? = nil)
        async throws(IletiMerkeziError) -> EntriesPage
    {
        let rowCount = min(max(rowCount, 1), 1000)
        let filter: FilterPayload? =
            from == nil && to == nil
            ? nil : FilterPayload(start: from.map(TurkeyTime.format), end: to.map(TurkeyTime.format))
        let payload = ListPayload(filter: filter, page: .integer(max(page, 1)), rowCount: .integer(rowCount))
        guard let answer = try await send(FeedMethod.entries, payload, answer: EntriesResultPayload.self) else {
            throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "an entries answer without a blacklist")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(answer.entries.count)
        for payload in answer.entries { entries.append(try Entry(payload)) }
        return EntriesPage(
            entries: entries, count: answer.count, seq: answer.seq, page: max(page, 1), rowCount: rowCount)
    }

    /// Every page of ``entries(page:rowCount:from:to:)`` in turn, stopping once `count` entries
    /// have been seen.
    ///
    /// Pages are read at different moments, so entries removed meanwhile can shift others past a
    /// page boundary; for a picture that misses nothing, use ``snapshotThenChanges(rowCount:)``.
    public func entryPages(rowCount: Int = 1000, from: Date? = nil, to: Date? = nil) -> EntryPages {
        let rowCount = min(max(rowCount, 1), 1000)
        return EntryPages { [self] number throws(IletiMerkeziError) in
            try await entries(page: number, rowCount: rowCount, from: from, to: to)
        }
    }

    /// One stretch of the change feed: at most `limit` changes after `seq` (1000 at most), in order.
    ///
    /// Ask again after the answer's ``ChangeStretch/next``; the server promises that no change at
    /// or below it appears later, so a reader that does so sees every change once.
    public func changes(after seq: Int64, limit: Int) async throws(IletiMerkeziError) -> ChangeStretch {
        let payload = ChangesRequestPayload(
            after: .integer(Int(max(seq, 0))), limit: .integer(min(max(limit, 1), ChangesRequestPayload.maximumLimit)))
        guard let answer = try await send(FeedMethod.changes, payload, answer: ChangesResultPayload.self) else {
            throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "a changes answer without a blacklist")
        }
        var changes: [Change] = []
        changes.reserveCapacity(answer.changes.count)
        for payload in answer.changes { changes.append(try Change(payload)) }
        return ChangeStretch(changes: changes, next: answer.next, oldest: answer.oldest)
    }

    /// The changes after `seq`, one at a time, fetched `batchSize` at a time; the sequence ends
    /// once it has caught up with the feed (like `cat`). See ``follow(after:pollInterval:batchSize:)``
    /// for one that goes on.
    public func changes(after seq: Int64 = 0, batchSize: Int = 1000) -> ChangeFeed {
        ChangeFeed(client: self, after: seq, follow: false, pollInterval: .zero, batchSize: batchSize)
    }

    /// The changes after `seq`, one at a time, going on as new ones are made, like `tail -f`.
    ///
    /// When caught up it asks again every `pollInterval`. It never ends by itself: cancelling the
    /// iterating task ends it promptly, even mid-wait, as `nil`. A request that still fails after
    /// the client's retries ends it with that error; start again after the last change's
    /// ``Change/seq`` to resume without gaps or repeats.
    public func follow(after seq: Int64 = 0, pollInterval: Duration = .seconds(1), batchSize: Int = 1000)
        -> ChangeFeed
    {
        ChangeFeed(client: self, after: seq, follow: true, pollInterval: pollInterval, batchSize: batchSize)
    }
}

extension BlacklistClient {
    /// The change feed as a sequence of changes, in `seq` order, each once.
    ///
    /// Made by ``BlacklistClient/changes(after:batchSize:)`` (ends when caught up) and
    /// ``BlacklistClient/follow(after:pollInterval:batchSize:)`` (goes on).
    public struct ChangeFeed: AsyncSequence, Sendable {
        /// Each element is one change.
        public typealias Element = Change
        /// Fetching fails with ``IletiMerkeziError``.
        public typealias Failure = IletiMerkeziError

        let client: BlacklistClient
        let after: Int64
        let follow: Bool
        let pollInterval: Duration
        let batchSize: Int

        init(client: BlacklistClient, after: Int64, follow: Bool, pollInterval: Duration, batchSize: Int) {
            self.client = client
            self.after = Swift.max(after, 0)
            self.follow = follow
            self.pollInterval = pollInterval
            self.batchSize = Swift.min(Swift.max(batchSize, 1), ChangesRequestPayload.maximumLimit)
        }

        /// Starts reading after the position given.
        public func makeAsyncIterator() -> Iterator {
            Iterator(feed: self)
        }

        /// Fetches changes on demand, waiting when caught up if the feed follows.
        public struct Iterator: AsyncIteratorProtocol {
            /// Fetching fails with ``IletiMerkeziError``.
            public typealias Failure = IletiMerkeziError

            let feed: ChangeFeed
            /// The `seq` of the last change fetched: the next request asks after it.
            public private(set) var position: Int64
            private var buffered: [Change] = []
            private var index = 0
            private var caughtUp = false
            private var finished = false

            init(feed: ChangeFeed) {
                self.feed = feed
                position = feed.after
            }

            /// The next change; `nil` when caught up (without following) or when the task is cancelled.
            public mutating func next() async throws(IletiMerkeziError) -> Change? {
                while index == buffered.count {
                    guard !finished, !Task.isCancelled else { return nil }
                    if caughtUp {
                        guard feed.follow else { return nil }
                        do {
                            try await Task.sleep(for: feed.pollInterval)
                        } catch {
                            return nil
                        }
                    }
                    let stretch: ChangeStretch
                    do {
                        stretch = try await feed.client.changes(after: position, limit: feed.batchSize)
                    } catch {
                        finished = true
                        // A cancelled request fails as a transport error; cancellation ends the
                        // sequence quietly instead.
                        if Task.isCancelled { return nil }
                        throw error
                    }
                    // The server answers only changes after `position`; a change at or below it
                    // would be a repeat, so it is dropped rather than trusted.
                    buffered = stretch.changes.filter { $0.seq > position }
                    index = 0
                    position = Swift.max(position, stretch.next, buffered.last?.seq ?? position)
                    caughtUp = stretch.changes.count < feed.batchSize
                }
                defer { index += 1 }
                return buffered[index]
            }
        }
    }
}
