extension PanelTemplates {
    /// API access: the switch and the hash rotation.
    static let apiAccess = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <dl>
        <dt>{{t.accountLabel}}</dt><dd>{{account}}</dd>
        <dt>{{t.apiKeyLabel}}</dt><dd class="secret">{{apiKey}}</dd>
        <dt>{{t.apiAccessLabel}}</dt><dd><strong>{{stateText}}</strong></dd>
        </dl>
        <p class="hint">{{t.apiAccessHint}}</p>
        {{#mayChange}}
        <form method="post" action="{{paths.apiAccess}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="enabled" value="{{switchValue}}">
        <p><button type="submit"{{#enabled}} class="danger"{{/enabled}}>{{switchText}}</button></p>
        </form>
        <section aria-labelledby="rotate-heading">
        <h2 id="rotate-heading">{{t.rotateHeading}}</h2>
        <p class="notice warning">{{t.rotateWarning}}</p>
        <form method="post" action="{{paths.rotateHash}}">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <p class="check"><input id="rotate-confirm" name="confirm" type="checkbox" value="yes" required> <label for="rotate-confirm">{{t.rotateConfirm}}</label></p>
        <p><button type="submit" class="danger">{{t.rotateButton}}</button></p>
        </form>
        </section>
        {{/mayChange}}
        {{/p}}
        """

    /// New credentials, shown once.
    static let newHash = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <p class="notice warning" role="alert"><strong>{{t.shownOnce}}</strong> {{t.newHashWarning}}</p>
        <dl>
        <dt>{{t.accountLabel}}</dt><dd>{{account}}</dd>
        <dt>{{t.apiKeyLabel}}</dt><dd class="secret">{{key}}</dd>
        <dt>{{t.secretLabel}}</dt><dd class="secret">{{secret}}</dd>
        <dt>{{t.hashLabel}}</dt><dd class="secret">{{hash}}</dd>
        </dl>
        <p>{{t.newHashClients}}</p>
        <p><a href="{{paths.apiAccess}}">{{t.backToAPIAccess}}</a></p>
        {{/p}}
        """

    /// The webhooks and their forms.
    static let webhooks = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <p class="hint">{{t.webhooksHint}}</p>
        {{#hasRows}}
        <div class="scroll" role="region" aria-label="{{t.navWebhooks}}" tabindex="0">
        <table>
        <thead><tr><th scope="col">{{t.columnID}}</th><th scope="col">{{t.columnURL}}</th><th scope="col">{{t.columnCreated}}<br><span class="muted">{{t.turkeyTime}}</span></th><th scope="col">{{t.columnDelivered}}</th>{{#mayChange}}<th scope="col"><span class="muted">{{t.columnActions}}</span></th>{{/mayChange}}</tr></thead>
        <tbody>
        {{#rows}}<tr><td class="nowrap">{{id}}</td><td>{{url}}</td><td class="nowrap">{{createdAt}}</td><td class="nowrap">{{deliveredThrough}}</td>{{#mayChange}}<td><form method="post" action="{{paths.webhookRemove}}" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="id" value="{{id}}"><button type="submit" class="danger" aria-label="{{removeLabel}}">{{t.removeWebhookButton}}</button></form></td>{{/mayChange}}</tr>
        {{/rows}}</tbody>
        </table>
        </div>
        {{/hasRows}}
        {{^hasRows}}<p>{{t.webhooksEmpty}}</p>
        {{/hasRows}}
        {{#mayChange}}
        <section aria-labelledby="webhook-add-heading">
        <h2 id="webhook-add-heading">{{t.webhookAddHeading}}</h2>
        <form method="post" action="{{paths.webhookAdd}}" class="row">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <div><label for="webhook-url">{{t.columnURL}}</label><input id="webhook-url" name="url" type="url" value="{{urlInput}}" placeholder="https://" size="40" required></div>
        <div><button type="submit">{{t.webhookAddButton}}</button></div>
        </form>
        </section>
        {{/mayChange}}
        {{/p}}
        """

    /// A new webhook's secret, shown once.
    static let webhookCreated = """
        {{% CONTENT_TYPE: ENGEL_HTML}}{{#p}}
        <p class="notice warning" role="alert"><strong>{{t.shownOnce}}</strong> {{t.webhookSecretWarning}}</p>
        <dl>
        <dt>{{t.columnID}}</dt><dd>{{id}}</dd>
        <dt>{{t.columnURL}}</dt><dd>{{url}}</dd>
        <dt>{{t.secretLabel}}</dt><dd class="secret">{{secret}}</dd>
        </dl>
        <p><a href="{{paths.webhooks}}">{{t.backToWebhooks}}</a></p>
        {{/p}}
        """
}
