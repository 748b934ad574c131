import EngelWire

/// The body limits a route can have, each set by configuration.
enum BodyLimit: Sendable {
    /// `--max-body-bytes`: iletiMerkezi's methods, `/healthz`, `/metrics`, the panel's forms and
    /// unknown paths.
    case standard
    /// `--max-bulk-body-bytes`: Engel's batch methods.
    case bulk
}

/// What the server serves at a path.
enum Endpoint: Sendable, Equatable {
    case blacklist(BlacklistMethod)
    case health
    case metrics
}

/// Every path Engel serves, with what the server needs to know of it: what it names, its dialect,
/// its body limit, and the label metrics and logs give it. Every part of the server (the body
/// limit, the pipeline, metrics, the envelope of failures) reads this one table.
///
/// One dictionary lookup instead of Hummingbird's router: the router's trie walk cost about 3% of
/// each request in a profile of the release server under wrk (commit 3ffd5ae).
struct RouteTable: Sendable {
    /// One row of the table.
    struct Route: Sendable {
        let endpoint: Endpoint
        /// The dialect of the answer and of the envelope of any failure.
        let dialect: WireDialect
        /// The largest body read for this path.
        let bodyLimit: Int
        /// The path as the table spells it: what metrics and logs call the endpoint.
        let label: String
    }

    /// What metrics and logs call paths that are not in the table.
    static let unknownLabel = "other"

    private let byPath: [String: Route]
    /// Whether `/panel` and the paths under it are the panel's (``ServerConfiguration/panelEnabled``);
    /// otherwise they are unknown paths like any other.
    let panelEnabled: Bool
    /// The smallest body limit of any route, which unknown paths get too: a body below it needs no
    /// lookup of its route's.
    let smallestBodyLimit: Int
    /// The body limit of the panel's CSV upload (``ServerConfiguration/panelUploadMaximumBytes``).
    /// ``RequestBodyLimit`` only looks past ``smallestBodyLimit``, so the upload route also enforces it itself.
    let panelUploadLimit: Int

    /// The table with the limits `configuration` sets.
    init(configuration: ServerConfiguration) {
        func bytes(_ limit: BodyLimit) -> Int {
            switch limit {
            case .standard: configuration.maximumBodyBytes
            case .bulk: configuration.maximumBulkBodyBytes
            }
        }
        var byPath: [String: Route] = [:]
        for method in BlacklistMethod.allCases {
            for dialect in method.dialects {
                let path = method.path(in: dialect)
                byPath[path] = Route(
                    endpoint: .blacklist(method), dialect: dialect, bodyLimit: bytes(method.bodyLimit), label: path)
            }
        }
        for (path, endpoint) in [("/healthz", Endpoint.health), ("/metrics", .metrics)] {
            byPath[path] = Route(endpoint: endpoint, dialect: .json, bodyLimit: bytes(.standard), label: path)
        }
        self.byPath = byPath
        panelEnabled = configuration.panelEnabled
        panelUploadLimit = configuration.panelUploadMaximumBytes
        smallestBodyLimit = byPath.values.map(\.bodyLimit).min() ?? bytes(.standard)
    }

    /// The route a request target names, if any: the query is ignored, and so are empty segments
    /// (`//`, a trailing `/`), as Hummingbird's router ignored them.
    func route(for target: String) -> Route? {
        if let route = byPath[target] { return route }
        // Rarely needed, so only after the exact lookup failed.
        return byPath[Self.path(of: target)]
    }

    /// Whether `target` is the panel's: `/panel`, or a path under `/panel/`, with or without a query,
    /// while the panel is on. Its forms get the smallest limit, as unknown paths do (no form of the
    /// panel comes near `--max-body-bytes`), but for the CSV upload (``panelUploadLimit``).
    func isPanel(_ target: String) -> Bool {
        guard panelEnabled else { return false }
        let bytes = target.utf8
        guard bytes.starts(with: "/panel".utf8) else { return false }
        let next = bytes.dropFirst(6).first
        return next == nil || next == UInt8(ascii: "/") || next == UInt8(ascii: "?")
    }

    /// The body limit of the route `target` names: the panel's upload limit for its CSV upload, the
    /// smallest for unknown paths and the panel's other forms.
    func bodyLimit(for target: String) -> Int {
        if let route = route(for: target) { return route.bodyLimit }
        if isPanel(target), Self.path(of: target) == PanelPath.importUpload { return panelUploadLimit }
        return smallestBodyLimit
    }

    /// `target` without its query and without empty segments.
    private static func path(of target: String) -> String {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }
}
