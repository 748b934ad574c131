extension PanelTemplates {
    /// The CSV upload form.
    static let importUpload = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#mayChange}}
        <form method="post" action="{{paths.importUpload}}" enctype="multipart/form-data">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="file">{{t.importFileLabel}}</label>
        <input id="file" name="file" type="file" accept=".csv,.txt,text/csv,text/plain" required aria-describedby="file-hint">
        <p id="file-hint" class="hint">{{limitText}} {{t.importFileHint}}</p>
        <p><button type="submit">{{t.importCheckButton}}</button></p>
        </form>
        {{/mayChange}}
        {{^mayChange}}<p class="notice warning">{{t.roleMayNotChange}}</p>
        {{/mayChange}}
        {{/p}}
        """

    /// What checking a file found, and the button that applies it.
    static let importReport = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        {{#hasFileName}}<p>{{t.importFileLabel}}: <strong>{{fileName}}</strong></p>
        {{/hasFileName}}
        <dl>
        <dt>{{t.importValid}}</dt><dd>{{valid}}</dd>
        <dt>{{t.importInvalid}}</dt><dd>{{invalid}}</dd>
        <dt>{{t.importDuplicates}}</dt><dd>{{duplicates}}</dd>
        </dl>
        {{#canApply}}
        <form method="post" action="{{paths.importConfirm}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="import" value="{{token}}">
        <label for="import-reason">{{t.reasonLabel}}</label>
        <input id="import-reason" name="reason" type="text" maxlength="256" aria-describedby="import-reason-hint">
        <p id="import-reason-hint" class="hint">{{t.importReasonHint}}</p>
        <p><button type="submit">{{applyText}}</button> <a href="{{paths.importUpload}}">{{t.importAnotherFile}}</a></p>
        </form>
        {{/canApply}}
        {{^canApply}}<p class="notice warning">{{t.importNothingToApply}} <a href="{{paths.importUpload}}">{{t.importAnotherFile}}</a></p>
        {{/canApply}}
        {{#hasProblems}}
        <h2>{{t.importProblemsHeading}}</h2>
        <div class="scroll" role="region" aria-label="{{t.importProblemsHeading}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnLine}}</th><th scope="col">{{t.columnInput}}</th><th scope="col">{{t.columnProblem}}</th></tr></thead>
        <tbody>
        {{#problems}}<tr><td class="nowrap">{{line}}</td><td>{{input}}</td><td>{{problem}}</td></tr>
        {{/problems}}</tbody>
        </table>
        </div>
        {{#hasHidden}}<p class="hint">{{hiddenText}}</p>
        {{/hasHidden}}
        {{/hasProblems}}
        {{/p}}
        """

    /// An import's progress; the layout adds the refresh while it runs.
    static let importJob = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <p class="notice{{#failed}} warning{{/failed}}" role="status"><strong>{{stateText}}</strong>{{#hasDetail}} {{detail}}{{/hasDetail}}</p>
        <p><progress max="{{progressMax}}" value="{{processedValue}}" aria-label="{{t.importProgress}}">{{progressText}}</progress></p>
        <p>{{progressText}}</p>
        <dl>
        <dt>{{t.importAdded}}</dt><dd>{{added}}</dd>
        <dt>{{t.importAlreadyListed}}</dt><dd>{{alreadyListed}}</dd>
        <dt>{{t.importInvalid}}</dt><dd>{{invalid}}</dd>
        </dl>
        {{#running}}<p class="hint">{{t.importRefreshing}} <a href="{{selfHref}}">{{t.importRefreshNow}}</a></p>
        {{/running}}
        {{^running}}<p><a href="{{paths.list}}">{{t.navList}}</a> · <a href="{{paths.importUpload}}">{{t.importAnotherFile}}</a></p>
        {{/running}}
        {{/p}}
        """
}
