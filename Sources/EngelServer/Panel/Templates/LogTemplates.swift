extension PanelTemplates {
    /// The CSV export links.
    static let export = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <section aria-labelledby="export-list-heading">
        <h2 id="export-list-heading">{{t.exportListHeading}}</h2>
        <p>{{countText}}</p>
        <form method="get" action="{{paths.exportList}}" class="row">
        <div><label for="export-start">{{t.filterStart}}</label><input id="export-start" name="start" type="text" placeholder="{{t.timePlaceholder}}" autocomplete="off" size="19"></div>
        <div><label for="export-end">{{t.filterEnd}}</label><input id="export-end" name="end" type="text" placeholder="{{t.timePlaceholder}}" autocomplete="off" size="19"></div>
        <div><button type="submit">{{t.exportListButton}}</button></div>
        </form>
        <p class="hint">{{t.exportListHint}}</p>
        </section>
        <section aria-labelledby="export-changes-heading">
        <h2 id="export-changes-heading">{{t.exportChangesHeading}}</h2>
        <p><a class="button" href="{{paths.exportChanges}}">{{t.exportChangesButton}}</a></p>
        <p class="hint">{{t.exportChangesHint}}</p>
        </section>
        <p class="hint">{{t.exportFormatHint}}</p>
        {{/p}}
        """

    /// A stretch of the change log.
    static let changeLog = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#pruned}}<p class="hint">{{prunedText}}</p>
        {{/pruned}}
        {{#hasRows}}
        <div class="scroll" role="region" aria-label="{{t.changeLogTableLabel}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnSeq}}</th><th scope="col">{{t.columnAt}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnAction}}</th><th scope="col">{{t.columnNumber}}</th><th scope="col">{{t.columnSource}}</th><th scope="col">{{t.columnReason}}</th><th scope="col">{{t.columnUntil}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnActor}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="nowrap">{{seq}}</td><td class="nowrap">{{at}}</td><td>{{action}}</td><td class="nowrap">{{number}}</td><td>{{source}}</td><td>{{reason}}</td><td class="nowrap">{{until}}</td><td>{{actor}}</td></tr>
        {{/rows}}</tbody>
        </table>
        </div>
        {{/hasRows}}
        {{^hasRows}}<p>{{t.changeLogEmpty}}</p>
        {{/hasRows}}
        <nav class="pager" aria-label="{{t.paginationLabel}}"><ul>
        <li>{{#olderHref}}<a href="{{.}}" rel="prev">{{t.changeLogOlder}}</a>{{/olderHref}}{{^olderHref}}<span class="muted">{{t.changeLogOlder}}</span>{{/olderHref}}</li>
        <li>{{#newerHref}}<a href="{{.}}" rel="next">{{t.changeLogNewer}}</a>{{/newerHref}}{{^newerHref}}<span class="muted">{{t.changeLogNewer}}</span>{{/newerHref}}</li>
        </ul></nav>
        {{/p}}
        """

    /// The account's audit log.
    static let auditLog = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#hasRows}}
        <div class="scroll" role="region" aria-label="{{t.auditTableLabel}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnAt}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnAction}}</th><th scope="col">{{t.columnActor}}</th><th scope="col">{{t.columnDetail}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="nowrap">{{at}}</td><td>{{action}}</td><td>{{actor}}</td><td>{{detail}}</td></tr>
        {{/rows}}</tbody>
        </table>
        </div>
        {{/hasRows}}
        {{^hasRows}}<p>{{t.auditEmpty}}</p>
        {{/hasRows}}
        <p class="hint">{{t.auditHint}}</p>
        {{/p}}
        """
}
