import EngelWire

extension BlacklistClient {
    /// What ``SnapshotFeed`` gives: the list's entries, then the changes after them.
    public enum FeedEvent: Sendable, Hashable {
        /// An entry of the snapshot. Each number comes once.
        case entry(Entry)
        /// Every entry has been given; the changes after `seq` follow. Changes made while the
        /// snapshot was read come first, so some may already show in the entries given: applying
        /// them is harmless (an add of a listed number, a remove of an unlisted one).
        case snapshotComplete(seq: Int64)
        /// A change after the snapshot, in `seq` order, each once.
        case change(Change)
    }

    /// The whole list in detail, then the changes after it, ending when caught up: what a mirror
    /// (a cache, a CRM) needs to start from nothing. See ``SnapshotFeed``.
    ///
    /// - Parameter rowCount: Entries per page request (at most 1000).
    public func snapshotThenChanges(rowCount: Int = 1000) -> SnapshotFeed {
        SnapshotFeed(client: self, rowCount: rowCount, follow: false, pollInterval: .zero)
    }

    /// The whole list in detail, then the changes after it, going on as new ones are made, like
    /// ``follow(after:pollInterval:batchSize:)``. See ``SnapshotFeed``.
    public func snapshotThenFollow(rowCount: Int = 1000, pollInterval: Duration = .seconds(1)) -> SnapshotFeed {
        SnapshotFeed(client: self, rowCount: rowCount, follow: true, pollInterval: pollInterval)
    }

    /// A list's entries, then its changes: apply them in order (an entry or an `add` lists the
    /// number with what it says, a `remove` unlists it) and the result is the list, exactly, as of
    /// the last change applied.
    ///
    /// Why no change is missed or repeated, though the list keeps changing while it is read:
    /// - Each page of entries is read at a feed position, its `seq`. Changes are given from the
    ///   smallest `seq` of the walk, so every change made after any page was read is given, and
    ///   each once: the feed promises that no change at or below an answered position appears
    ///   later, and changes are given strictly after the last one given.
    /// - Paging by offset is not a snapshot: a removal on an earlier page shifts later entries
    ///   back, and one can slip past a page boundary unseen without any change of its own. The
    ///   walk therefore checks itself: from the entries seen and the changes made since the walk
    ///   began, it works out how many entries the list held at the last page's position and
    ///   compares that with the `count` the server gave there. Only an entry neither seen nor
    ///   changed can make them differ, so when they agree nothing was missed; when they do not,
    ///   the pages are read again (entries not yet given are given then), up to 10 walks, after
    ///   which it fails with ``IletiMerkeziError/Kind/unexpectedAnswer``. Under steady writes a
    ///   second walk is usually enough: an entry is missed only if every walk skips it.
    /// - An entry shows in several pages when an earlier one is added or moved meanwhile; each
    ///   number is given once.
    ///
    /// Needs Engel's get-blacklist-entries and get-blacklist-changes: the live API fails it with
    /// ``IletiMerkeziError/Kind/unknownMethod``.
    public struct SnapshotFeed: AsyncSequence, Sendable {
        /// Entries, the end of the snapshot, then changes.
        public typealias Element = FeedEvent
        /// Fetching fails with ``IletiMerkeziError``.
        public typealias Failure = IletiMerkeziError

        /// Walks of the list before the snapshot is given up on as changing too fast to read.
        static let maximumWalks = 10

        let client: BlacklistClient
        let rowCount: Int
        let follow: Bool
        let pollInterval: Duration

        init(client: BlacklistClient, rowCount: Int, follow: Bool, pollInterval: Duration) {
            self.client = client
            self.rowCount = Swift.min(Swift.max(rowCount, 1), 1000)
            self.follow = follow
            self.pollInterval = pollInterval
        }

        /// Starts the walk.
        public func makeAsyncIterator() -> Iterator {
            Iterator(feed: self)
        }

        /// Reads pages, then the feed, on demand.
        public struct Iterator: AsyncIteratorProtocol {
            /// Fetching fails with ``IletiMerkeziError``.
            public typealias Failure = IletiMerkeziError

            let feed: SnapshotFeed
            private var snapshot = SnapshotAssembly()
            private var ready: [FeedEvent] = []
            private var index = 0
            private var walk = 1
            private var page = 1
            private var changes: ChangeFeed.Iterator?

            init(feed: SnapshotFeed) {
                self.feed = feed
            }

            /// The next event; `nil` when caught up (without following) or when the task is cancelled.
            public mutating func next() async throws(IletiMerkeziError) -> FeedEvent? {
                while index == ready.count {
                    if Task.isCancelled { return nil }
                    if changes != nil { return try await nextChange() }
                    ready = []
                    index = 0
                    try await step()
                }
                defer { index += 1 }
                return ready[index]
            }

            private mutating func nextChange() async throws(IletiMerkeziError) -> FeedEvent? {
                guard let change = try await changes?.next() else { return nil }
                return .change(change)
            }

            /// Reads one page, or, after the last page of a walk, the changes since the walk began.
            private mutating func step() async throws(IletiMerkeziError) {
                let client = feed.client
                let entries: EntriesPage
                do {
                    entries = try await client.entries(page: page, rowCount: feed.rowCount)
                } catch {
                    if Task.isCancelled { return }
                    throw error
                }
                for entry in snapshot.observe(entries) { ready.append(.entry(entry)) }
                page += 1
                if entries.hasMore { return }

                while snapshot.needsChanges {
                    let stretch: ChangeStretch
                    do {
                        stretch = try await client.changes(
                            after: snapshot.changesRead, limit: ChangesRequestPayload.maximumLimit)
                    } catch {
                        if Task.isCancelled { return }
                        throw error
                    }
                    snapshot.append(stretch)
                }
                if snapshot.isComplete {
                    ready.append(.snapshotComplete(seq: snapshot.start))
                    ready.append(contentsOf: snapshot.changesSinceStart.map(FeedEvent.change))
                    changes = ChangeFeed(
                        client: client, after: snapshot.changesRead, follow: feed.follow,
                        pollInterval: feed.pollInterval, batchSize: ChangesRequestPayload.maximumLimit
                    ).makeAsyncIterator()
                    snapshot.release()
                    return
                }
                guard walk < SnapshotFeed.maximumWalks else {
                    throw IletiMerkeziError(
                        .unexpectedAnswer, code: nil,
                        message: "the list changed too fast to read whole in \(walk) walks; try a larger rowCount")
                }
                walk += 1
                page = 1
            }
        }
    }
}

/// What a snapshot's walks have seen, and whether it is the whole list: the bookkeeping of
/// ``BlacklistClient/SnapshotFeed``, apart from the requests so it can be tested on its own.
struct SnapshotAssembly: Sendable {
    typealias Entry = BlacklistClient.Entry
    typealias Change = BlacklistClient.Change

    /// The smallest position a page was read at: changes are given after it.
    private(set) var start: Int64 = 0
    /// The feed position read up to: the next changes request asks after it.
    private(set) var changesRead: Int64 = 0
    /// The changes read, after ``start``, in order.
    private(set) var changesSinceStart: [Change] = []
    /// The largest position a page was read at, and the count the server gave there.
    private var latest: (seq: Int64, count: Int)?
    /// Whether the changes read cover every change up to `latest.seq`.
    private var coveredThrough: Int64 = 0
    /// Each number seen, with the largest position it was seen at.
    private var seenAt: [String: Int64] = [:]

    /// Records a page; returns its entries not seen before, to be given.
    mutating func observe(_ page: BlacklistClient.EntriesPage) -> [Entry] {
        if latest == nil {
            start = page.seq
            changesRead = page.seq
            coveredThrough = page.seq
        }
        // Positions only grow from one read to the next, so this is the first page's; taking the
        // smallest costs nothing and assumes nothing.
        if changesSinceStart.isEmpty && page.seq < start {
            start = page.seq
            changesRead = page.seq
            coveredThrough = page.seq
        }
        if latest.map({ page.seq >= $0.seq }) ?? true { latest = (page.seq, page.count) }
        var new: [Entry] = []
        for entry in page.entries {
            if let seen = seenAt[entry.number] {
                seenAt[entry.number] = max(seen, page.seq)
            } else {
                seenAt[entry.number] = page.seq
                new.append(entry)
            }
        }
        return new
    }

    /// Whether changes up to the latest page's position remain to be read.
    var needsChanges: Bool {
        guard let latest else { return false }
        return coveredThrough < latest.seq
    }

    /// Records a stretch of changes read after ``changesRead``.
    mutating func append(_ stretch: BlacklistClient.ChangeStretch) {
        let fresh = stretch.changes.filter { $0.seq > changesRead }
        changesSinceStart.append(contentsOf: fresh)
        changesRead = max(changesRead, stretch.next, fresh.last?.seq ?? changesRead)
        coveredThrough = max(coveredThrough, changesRead)
        // A stretch shorter than asked for holds every change made so far: positions are global,
        // so the account may have none between its last change and the page's position. (One
        // that brought nothing new is taken the same way, so a server repeating itself cannot
        // keep the walk asking forever.)
        if stretch.changes.count < ChangesRequestPayload.maximumLimit || fresh.isEmpty, let latest {
            coveredThrough = max(coveredThrough, latest.seq)
        }
    }

    /// Whether the entries seen, with the changes since, account for every entry the server
    /// counted at the latest page's position.
    ///
    /// An entry is listed there when its last change up to that position, if made after it was
    /// last seen, is an add; or, without such a change, when it was seen at all. An entry neither
    /// seen nor changed is the only kind this cannot count, so the totals agree exactly when none
    /// was missed.
    var isComplete: Bool {
        guard let latest, !needsChanges else { return false }
        var lastChange: [String: Change] = [:]
        for change in changesSinceStart where change.seq <= latest.seq { lastChange[change.number] = change }
        var listed = 0
        for (number, seen) in seenAt {
            if let change = lastChange[number], change.seq > seen {
                if change.action == .add { listed += 1 }
            } else {
                listed += 1
            }
        }
        for (number, change) in lastChange where seenAt[number] == nil && change.action == .add { listed += 1 }
        return listed == latest.count
    }

    /// Forgets what was kept for the check, once the snapshot is complete.
    mutating func release() {
        seenAt = [:]
        changesSinceStart = []
    }
}
