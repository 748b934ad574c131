import Foundation

extension BlacklistClient {
    /// A page a walk steps through: it says where it is, whether more follow, and whether it is
    /// empty.
    public protocol WalkedPage: Sendable {
        /// The 1-based page this is.
        var page: Int { get }
        /// Whether entries beyond this page remain, going by the answer's count.
        var hasMore: Bool { get }
        /// Whether the page holds nothing.
        var isEmpty: Bool { get }
    }

    /// The pages of the list, fetched one at a time as they are iterated: ``Pages`` for numbers,
    /// ``EntryPages`` for entries in detail.
    ///
    /// The walk ends when the entries seen reach the answer's `count`, or at an empty page, so a
    /// list that shrinks during the walk cannot make it loop.
    public struct PageWalk<Element: WalkedPage>: AsyncSequence, Sendable {
        /// Fetching a page fails with ``IletiMerkeziError``.
        public typealias Failure = IletiMerkeziError

        /// Fetches the page of this number.
        let fetch: @Sendable (Int) async throws(IletiMerkeziError) -> Element

        /// Starts a walk at page 1.
        public func makeAsyncIterator() -> Iterator {
            Iterator(fetch: fetch)
        }

        /// Fetches the next page on demand.
        public struct Iterator: AsyncIteratorProtocol {
            /// Fetching a page fails with ``IletiMerkeziError``.
            public typealias Failure = IletiMerkeziError

            let fetch: @Sendable (Int) async throws(IletiMerkeziError) -> Element
            private var nextPage = 1
            private var finished = false

            init(fetch: @escaping @Sendable (Int) async throws(IletiMerkeziError) -> Element) {
                self.fetch = fetch
            }

            /// The next page, or `nil` after the last.
            public mutating func next() async throws(IletiMerkeziError) -> Element? {
                guard !finished else { return nil }
                let page: Element
                do {
                    page = try await fetch(nextPage)
                } catch {
                    finished = true
                    throw error
                }
                nextPage += 1
                finished = !page.hasMore
                if page.isEmpty && page.page > 1 { return nil }
                return page
            }
        }
    }

    /// The pages of numbers (``pages(rowCount:from:to:)``).
    public typealias Pages = PageWalk<Page>
    /// The pages of entries in detail (``entryPages(rowCount:from:to:)``).
    public typealias EntryPages = PageWalk<EntriesPage>
}

extension BlacklistClient.Page: BlacklistClient.WalkedPage {
    /// Whether the page holds no number.
    public var isEmpty: Bool { numbers.isEmpty }
}

extension BlacklistClient.EntriesPage: BlacklistClient.WalkedPage {
    /// Whether the page holds no entry.
    public var isEmpty: Bool { entries.isEmpty }
}
