extension PanelTemplates {
    /// The sign-in form.
    static let signIn = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#notice}}<p class="notice {{kind}}" role="{{role}}">{{message}}</p>
        {{/notice}}
        <form method="post" action="{{paths.signIn}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="user">{{t.userNameLabel}}</label>
        <input id="user" name="user" type="text" value="{{userName}}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
        <label for="password">{{t.passwordLabel}}</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <p><button type="submit">{{t.signIn}}</button></p>
        </form>
        {{/p}}
        """

    /// The list, its date filter and its pages.
    static let list = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <form method="get" action="{{paths.list}}" class="row" aria-describedby="filter-hint">
        <div><label for="start">{{t.filterStart}}</label><input id="start" name="start" type="text" value="{{start}}" placeholder="{{t.timePlaceholder}}" autocomplete="off" size="19"></div>
        <div><label for="end">{{t.filterEnd}}</label><input id="end" name="end" type="text" value="{{end}}" placeholder="{{t.timePlaceholder}}" autocomplete="off" size="19"></div>
        <div><button type="submit">{{t.filterApply}}</button>{{#filtered}} <a href="{{paths.list}}">{{t.filterClear}}</a>{{/filtered}}</div>
        </form>
        <p id="filter-hint" class="hint">{{t.filterHint}}</p>
        <p><strong>{{countText}}</strong></p>
        {{#hasRows}}
        {{>entryTable}}
        {{/hasRows}}
        {{^hasRows}}<p>{{emptyText}}</p>
        {{/hasRows}}
        <nav class="pager" aria-label="{{t.paginationLabel}}"><ul>
        <li>{{#firstHref}}<a href="{{.}}">{{t.pageFirst}}</a>{{/firstHref}}{{^firstHref}}<span class="muted">{{t.pageFirst}}</span>{{/firstHref}}</li>
        <li>{{#previousHref}}<a href="{{.}}" rel="prev">{{t.pagePrevious}}</a>{{/previousHref}}{{^previousHref}}<span class="muted">{{t.pagePrevious}}</span>{{/previousHref}}</li>
        <li aria-current="page">{{pageText}}</li>
        <li>{{#nextHref}}<a href="{{.}}" rel="next">{{t.pageNext}}</a>{{/nextHref}}{{^nextHref}}<span class="muted">{{t.pageNext}}</span>{{/nextHref}}</li>
        <li>{{#lastHref}}<a href="{{.}}">{{t.pageLast}}</a>{{/lastHref}}{{^lastHref}}<span class="muted">{{t.pageLast}}</span>{{/lastHref}}</li>
        </ul></nav>
        {{/p}}
        """

    /// The entries table of the list page (a partial: the list page's rows are its context).
    static let entryTable = """
        {{% CONTENT_TYPE: ENGEL_HTML}}<div class="scroll" role="region" aria-label="{{t.listTableLabel}}" tabindex="0">
        <table>
        <caption>{{pageText}}</caption>
        <thead><tr><th scope="col">{{t.columnNumber}}</th><th scope="col">{{t.columnAddedAt}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnSource}}</th><th scope="col">{{t.columnReason}}</th><th scope="col">{{t.columnUntil}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnActor}}</th></tr></thead>
        <tbody>
        {{#rows}}<tr><td class="nowrap">{{number}}</td><td class="nowrap">{{addedAt}}</td><td>{{source}}</td><td>{{reason}}</td><td class="nowrap">{{until}}</td><td>{{actor}}</td></tr>
        {{/rows}}</tbody>
        </table>
        </div>
        """

    /// A number's state.
    static let search = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <form method="get" action="{{paths.search}}" class="row" role="search">
        <div><label for="number">{{t.numberLabel}}</label><input id="number" name="number" type="tel" inputmode="tel" value="{{query}}" autocomplete="off" required></div>
        <div><button type="submit">{{t.searchButton}}</button></div>
        </form>
        <p class="hint">{{t.numberHint}}</p>
        {{#invalid}}<p class="flash error" role="alert">{{message}}</p>
        {{/invalid}}
        {{#notListed}}<section class="notice" aria-live="polite"><h2>{{number}}</h2><p>{{t.searchNotListed}}</p></section>
        {{/notListed}}
        {{#listed}}<section class="notice warning" aria-live="polite"><h2>{{number}}</h2><p><strong>{{t.searchListed}}</strong></p>
        <dl>
        <dt>{{t.columnAddedAt}} ({{t.turkeyTime}})</dt><dd>{{addedAt}}</dd>
        <dt>{{t.columnSource}}</dt><dd>{{source}}</dd>
        <dt>{{t.columnReason}}</dt><dd>{{reason}}</dd>
        <dt>{{t.columnUntil}} ({{t.turkeyTime}})</dt><dd>{{until}}</dd>
        <dt>{{t.columnActor}}</dt><dd>{{actor}}</dd>
        </dl>
        {{#mayChange}}
        <form method="post" action="{{paths.remove}}" class="row">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="number" value="{{canonical}}">
        <div><label for="search-remove-reason">{{t.reasonLabel}}</label><input id="search-remove-reason" name="reason" type="text" maxlength="256"></div>
        <div><button type="submit" class="danger">{{t.removeButton}}</button></div>
        </form>
        {{/mayChange}}
        </section>
        {{/listed}}
        {{/p}}
        """

    /// The add and remove forms.
    static let change = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#mayChange}}
        <section aria-labelledby="add-heading">
        <h2 id="add-heading">{{t.addHeading}}</h2>
        <form method="post" action="{{paths.add}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="add-number">{{t.numberLabel}}</label>
        <input id="add-number" name="number" type="tel" inputmode="tel" value="{{addNumber}}" autocomplete="off" required aria-describedby="add-number-hint">
        <p id="add-number-hint" class="hint">{{t.numberHint}}</p>
        <label for="add-reason">{{t.reasonLabel}}</label>
        <input id="add-reason" name="reason" type="text" value="{{addReason}}" maxlength="256" aria-describedby="reason-hint">
        <p id="reason-hint" class="hint">{{t.reasonHint}}</p>
        <label for="add-until">{{t.untilLabel}}</label>
        <input id="add-until" name="until" type="text" value="{{addUntil}}" placeholder="{{t.timePlaceholder}}" autocomplete="off" size="19" aria-describedby="until-hint">
        <p id="until-hint" class="hint">{{t.untilHint}}</p>
        <p><button type="submit">{{t.addButton}}</button></p>
        </form>
        </section>
        <section aria-labelledby="remove-heading">
        <h2 id="remove-heading">{{t.removeHeading}}</h2>
        <form method="post" action="{{paths.remove}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="remove-number">{{t.numberLabel}}</label>
        <input id="remove-number" name="number" type="tel" inputmode="tel" value="{{removeNumber}}" autocomplete="off" required>
        <label for="remove-reason">{{t.reasonLabel}}</label>
        <input id="remove-reason" name="reason" type="text" value="{{removeReason}}" maxlength="256">
        <p><button type="submit" class="danger">{{t.removeButton}}</button></p>
        </form>
        </section>
        {{/mayChange}}
        {{^mayChange}}<p class="notice warning">{{t.roleMayNotChange}}</p>
        {{/mayChange}}
        {{/p}}
        """
}
