public import AsyncHTTPClient
import EngelCore
import EngelWire
public import Foundation
import NIOCore
import NIOHTTP1

/// A client of the iletiMerkezi blacklist API: the live service or any Engel server.
///
/// ```swift
/// let client = BlacklistClient(configuration: .init(credentials: .init(key: key, hash: hash)))
/// try await client.add("+905321234567")
/// for try await page in client.pages() {
///     print(page.numbers)
/// }
/// ```
///
/// Every method throws ``IletiMerkeziError`` and retries as ``Configuration/retry`` says.
public struct BlacklistClient: Sendable {
    /// Where and how requests are sent.
    public let configuration: Configuration
    private let httpClient: HTTPClient
    /// The batch methods this client's server turned out not to have; shared by copies of the client.
    let missingMethods = MissingMethods()

    /// Creates a client sending through `httpClient` (by default ``defaultHTTPClient``, shared by
    /// the process).
    public init(configuration: Configuration, httpClient: HTTPClient = BlacklistClient.defaultHTTPClient) {
        self.configuration = configuration
        self.httpClient = httpClient
    }

    /// Blocks `number` (`905XXXXXXXXX`, `+905XXXXXXXXX`, `5XXXXXXXXX`, …).
    ///
    /// Adding a listed number succeeds and keeps its original time, so this is safe to repeat.
    ///
    /// - Parameters:
    ///   - reason: Why, kept with the entry and its change record (at most 256 characters). The live
    ///     API ignores it.
    ///   - until: When the block ends (sent as Turkey time, whole seconds; it must be after now);
    ///     `nil` is forever. A re-add never shortens a block: the later end wins.
    /// - Throws: ``IletiMerkeziError`` with kind ``IletiMerkeziError/Kind/invalidNumber`` for a
    ///   number the API rejects, ``IletiMerkeziError/Kind/badRequest`` for a reason or `until` an
    ///   Engel server refuses, and any other kind for the failures every method shares.
    public func add(_ number: String, reason: String? = nil, until: Date? = nil) async throws(IletiMerkeziError) {
        _ = try await send(
            "add-blacklist/json",
            NumberPayload(number: number, reason: reason, until: until.map(TurkeyTime.format)),
            answer: Answer.Skipped.self)
    }

    /// Unblocks `number`, saying why when `reason` is given (it goes into the change record).
    ///
    /// When an earlier attempt's outcome is unknown (a timeout, a broken connection or 503) and a
    /// retry answers 474, the first attempt is taken to have removed it and this returns normally.
    /// - Throws: ``IletiMerkeziError`` with kind ``IletiMerkeziError/Kind/notListed`` when the
    ///   number is not on the list, ``IletiMerkeziError/Kind/invalidNumber`` for an invalid number.
    public func remove(_ number: String, reason: String? = nil) async throws(IletiMerkeziError) {
        _ = try await send(
            "delete-blacklist/json", NumberPayload(number: number, reason: reason), answer: Answer.Skipped.self,
            notListedMeansDone: true)
    }

    /// One page of the list, oldest first, with the number of entries matching the filter.
    ///
    /// - Parameters:
    ///   - page: The 1-based page.
    ///   - rowCount: Entries per page, at most 1000 (larger values are served as 1000).
    ///   - from: Only entries added at or after this instant (sent as Turkey time, whole seconds).
    ///   - to: Only entries added up to the end of this instant's second.
    public func page(_ page: Int = 1, rowCount: Int = 1000, from: Date? = nil, to: Date? = nil)
        async throws(IletiMerkeziError) -> Page
    {
        let rowCount = min(max(rowCount, 1), 1000)
        let filter: FilterPayload? =
            from == nil && to == nil
            ? nil : FilterPayload(start: from.map(TurkeyTime.format), end: to.map(TurkeyTime.format))
        let payload = ListPayload(filter: filter, page: .integer(max(page, 1)), rowCount: .integer(rowCount))
        guard let list = try await send("get-blacklist/json", payload, answer: ListResultPayload.self) else {
            throw IletiMerkeziError(.unexpectedAnswer, code: 200, message: "a list answer without a blacklist")
        }
        return Page(numbers: list.number, count: list.count, page: max(page, 1), rowCount: rowCount)
    }

    /// Every page of the list in turn, stopping once `count` entries have been seen.
    ///
    /// Entries added or removed during the walk may shift between pages; walk again for a
    /// consistent picture.
    public func pages(rowCount: Int = 1000, from: Date? = nil, to: Date? = nil) -> Pages {
        let rowCount = min(max(rowCount, 1), 1000)
        return Pages { [self] number throws(IletiMerkeziError) in
            try await page(number, rowCount: rowCount, from: from, to: to)
        }
    }

    /// Sends one method's request, retrying as configured, and returns the successful answer's
    /// `blacklist` part (`nil` when it has none).
    ///
    /// With `notListedMeansDone`, a 474 after an attempt whose outcome is unknown is taken as success
    /// and answers `nil`.
    func send<Payload: Decodable>(
        _ method: String, _ payload: some Codable & Sendable, answer: Payload.Type, notListedMeansDone: Bool = false
    ) async throws(IletiMerkeziError) -> Payload? {
        let body: Data
        do {
            let credentials = configuration.credentials
            body = try JSONEncoder().encode(
                RequestEnvelope(
                    authentication: AuthenticationPayload(key: credentials.key, hash: credentials.hash),
                    blacklist: payload))
        } catch {
            throw IletiMerkeziError(.badRequest, code: nil, message: "the request could not be encoded")
        }
        let url = configuration.url(of: method)
        var attempt = 1
        var earlierOutcomeUnknown = false
        while true {
            do {
                return try await sendOnce(url: url, body: body, answer: answer)
            } catch {
                if notListedMeansDone, error.kind == .notListed, earlierOutcomeUnknown {
                    return nil
                }
                guard error.isRetryable, attempt < configuration.retry.maximumAttempts, !Task.isCancelled else {
                    throw error
                }
                earlierOutcomeUnknown = true
                attempt += 1
                try? await Task.sleep(for: configuration.retry.delay(beforeAttempt: attempt))
                if Task.isCancelled { throw error }
            }
        }
    }

    private func sendOnce<Payload: Decodable>(url: String, body: Data, answer: Payload.Type)
        async throws(IletiMerkeziError) -> Payload?
    {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "IletiMerkezi-Swift (Engel)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let status: Int
        let bytes: ByteBuffer
        do {
            let timeout = TimeAmount.nanoseconds(Int64(configuration.timeout.nanoseconds))
            let deadline = NIODeadline.now() + timeout
            let response = try await httpClient.execute(request, deadline: deadline)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 8 << 20)
        } catch {
            throw IletiMerkeziError(.transport, code: nil, message: Self.describeTransport(error))
        }
        return try Answer.decode(answer, from: bytes, httpStatus: status)
    }

    private static func describeTransport(_ error: any Error) -> String {
        if let error = error as? HTTPClientError,
            error == .deadlineExceeded || error == .readTimeout
                || error == .connectTimeout
        {
            return "timed out"
        }
        return String(describing: error)
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : scaled + attoseconds / 1_000_000_000
    }
}
