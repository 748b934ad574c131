import EngelCore

/// The CSV exports: the list (optionally filtered by `start` and `end`, a GET of
/// ``PanelPath/exportList``) and the change log (``PanelPath/exportChanges``).
public struct PanelExportPage: Sendable, Hashable {
    /// How many entries the list holds, shown beside its link.
    public var listCount: Int

    /// Creates the page.
    public init(listCount: Int) {
        self.listCount = listCount
    }
}

/// A stretch of the change log, newest last, with links to the stretches before and after it
/// (GETs of ``PanelPath/changes`` with `after`).
///
/// The feed is read by position (`after`), and positions have gaps, so the route, which knows
/// the log, works out where the links lead.
public struct PanelChangeLogPage: Sendable, Hashable {
    /// The records shown, in `seq` order.
    public var changes: [ChangeRecord]
    /// The position asked for.
    public var after: Int64
    /// The lowest `seq` the log still keeps (0 when empty): older records were pruned.
    public var oldest: Int64
    /// The `after` of the newer stretch; `nil` when this one reaches the end of the log.
    public var newerAfter: Int64?
    /// The `after` of the older stretch; `nil` when this one starts at the beginning of the log.
    public var olderAfter: Int64?

    /// Creates the page.
    public init(changes: [ChangeRecord], after: Int64, oldest: Int64, newerAfter: Int64?, olderAfter: Int64?) {
        self.changes = changes
        self.after = after
        self.oldest = oldest
        self.newerAfter = newerAfter
        self.olderAfter = olderAfter
    }
}

/// The account's audit log: who changed the account and when (never a number or a credential).
public struct PanelAuditLogPage: Sendable, Hashable {
    /// The records, oldest first.
    public var records: [AuditRecord]

    /// Creates the page.
    public init(records: [AuditRecord]) {
        self.records = records
    }
}

extension PanelExportPage: PanelPageContent {
    var template: String { "export" }
    var section: PanelSection? { .export }
    func title(_ format: PanelFormat) -> String { format.text(.navExport) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        ["countText": format.text(.listCount, ["count": format.count(listCount)])]
    }
}

extension PanelChangeLogPage: PanelPageContent {
    var template: String { "changeLog" }
    var section: PanelSection? { .changeLog }
    func title(_ format: PanelFormat) -> String { format.text(.navChangeLog) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        var fields: [String: Any] = [
            "hasRows": !changes.isEmpty,
            "rows": changes.map { change -> [String: Any] in
                [
                    "seq": String(change.seq),
                    "at": format.time(change.at),
                    "action": format.action(change.action),
                    "number": format.phone(change.number),
                    "source": format.source(change.source),
                    "reason": change.reason ?? "—",
                    "until": change.action == .add ? format.until(change.until) : "—",
                    "actor": format.actor(change.actor),
                ]
            },
            "pruned": oldest > 1,
            "prunedText": format.text(.changeLogPruned, ["seq": String(oldest)]),
        ]
        if let olderAfter { fields["olderHref"] = PanelQuery.link(PanelPath.changes, [("after", String(olderAfter))]) }
        if let newerAfter { fields["newerHref"] = PanelQuery.link(PanelPath.changes, [("after", String(newerAfter))]) }
        return fields
    }
}

extension PanelAuditLogPage: PanelPageContent {
    var template: String { "auditLog" }
    var section: PanelSection? { .auditLog }
    func title(_ format: PanelFormat) -> String { format.text(.navAuditLog) }

    func fields(_ format: PanelFormat) -> [String: Any] {
        [
            "hasRows": !records.isEmpty,
            "rows": records.map { record -> [String: Any] in
                [
                    "at": format.time(record.at),
                    "action": format.audit(record.action),
                    "actor": format.actor(record.actor),
                    "detail": record.detail ?? "—",
                ]
            },
        ]
    }
}
