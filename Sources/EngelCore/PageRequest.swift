/// Which slice of a list to return: 1-based `page` of `rowCount` entries.
public struct PageRequest: Sendable, Hashable {
    /// The largest page the API serves; larger requests are served at this size.
    public static let maximumRowCount = 1000

    /// The 1-based page number.
    public let page: Int
    /// Entries per page, between 1 and ``maximumRowCount``.
    public let rowCount: Int

    /// Creates a page request; `page` and `rowCount` below 1 are ``APIStatus/badRequest``, and a
    /// `rowCount` above ``maximumRowCount`` is served as ``maximumRowCount``.
    public init(page: Int = 1, rowCount: Int = PageRequest.maximumRowCount) throws(APIError) {
        guard page >= 1 else { throw APIError(.badRequest, "page must be at least 1") }
        guard rowCount >= 1 else { throw APIError(.badRequest, "rowCount must be at least 1") }
        self.page = page
        self.rowCount = min(rowCount, Self.maximumRowCount)
    }

    /// The first page at the maximum size.
    public static let first = PageRequest(uncheckedPage: 1, rowCount: maximumRowCount)

    private init(uncheckedPage page: Int, rowCount: Int) {
        self.page = page
        self.rowCount = rowCount
    }

    /// How many entries precede this page; saturates instead of overflowing for absurd pages.
    public var offset: Int {
        let (product, overflow) = (page - 1).multipliedReportingOverflow(by: rowCount)
        return overflow ? Int.max : product
    }
}
