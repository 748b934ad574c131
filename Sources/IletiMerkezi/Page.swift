extension BlacklistClient {
    /// One page of the list.
    public struct Page: Sendable, Hashable {
        /// This page's numbers, oldest first, as the server writes them (`+905XXXXXXXXX`).
        public let numbers: [String]
        /// How many entries match the filter across all pages.
        public let count: Int
        /// The 1-based page this is.
        public let page: Int
        /// The page size asked for.
        public let rowCount: Int

        /// Creates a page.
        public init(numbers: [String], count: Int, page: Int, rowCount: Int) {
            self.numbers = numbers
            self.count = count
            self.page = page
            self.rowCount = rowCount
        }

        /// Whether entries beyond this page remain, going by ``count``.
        public var hasMore: Bool {
            !numbers.isEmpty && (page - 1) * rowCount + numbers.count < count
        }
    }
}
