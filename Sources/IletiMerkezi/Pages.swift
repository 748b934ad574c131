import Foundation

extension BlacklistClient {
    /// The pages of the list, fetched one at a time as they are iterated.
    ///
    /// The walk ends when the entries seen reach the answer's `count`, or at an empty page, so a
    /// list that shrinks during the walk cannot make it loop.
    public struct Pages: AsyncSequence, Sendable {
        /// Each element is one page.
        public typealias Element = Page
        /// Fetching a page fails with ``IletiMerkeziError``.
        public typealias Failure = IletiMerkeziError

        let client: BlacklistClient
        let rowCount: Int
        let from: Date?
        let to: Date?

        /// Starts a walk at page 1.
        public func makeAsyncIterator() -> Iterator {
            Iterator(pages: self)
        }

        /// Fetches the next page on demand.
        public struct Iterator: AsyncIteratorProtocol {
            /// Fetching a page fails with ``IletiMerkeziError``.
            public typealias Failure = IletiMerkeziError

            let pages: Pages
            private var nextPage = 1
            private var finished = false

            init(pages: Pages) {
                self.pages = pages
            }

            /// The next page, or `nil` after the last.
            public mutating func next() async throws(IletiMerkeziError) -> Page? {
                guard !finished else { return nil }
                let page: Page
                do {
                    page = try await pages.client.page(
                        nextPage, rowCount: pages.rowCount, from: pages.from, to: pages.to)
                } catch {
                    finished = true
                    throw error
                }
                nextPage += 1
                finished = !page.hasMore
                if page.numbers.isEmpty && page.page > 1 { return nil }
                return page
            }

        }
    }
}
