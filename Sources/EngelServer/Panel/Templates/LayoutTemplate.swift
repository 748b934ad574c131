/// The panel's templates, kept in the binary as text: operators copy one `engel` executable, so
/// nothing is read from a resource bundle at run time.
///
/// Every template starts with ``PanelHTMLContentType/pragma``, so each `{{value}}` is escaped by
/// ``PanelEscaping/html(_:)``. No template uses `{{{value}}}`: nothing reaches a page unescaped.
/// Attribute values are always in double quotes.
enum PanelTemplates {
    /// Every template by the name the renderer registers it under.
    static var all: [String: String] {
        [
            "layout": layout,
            "signIn": signIn,
            "list": list,
            "entryTable": entryTable,
            "search": search,
            "change": change,
            "importUpload": importUpload,
            "importReport": importReport,
            "importJob": importJob,
            "export": export,
            "changeLog": changeLog,
            "auditLog": auditLog,
            "apiAccess": apiAccess,
            "newHash": newHash,
            "webhooks": webhooks,
            "webhookCreated": webhookCreated,
            "users": users,
            "accounts": accounts,
            "error": error,
        ]
    }

    /// The page around every page: header, navigation, messages, footer, and the page itself as
    /// the dynamic partial `pageTemplate`. The style sheet is inline so the panel needs no other
    /// request; it lays the page out in one column on a phone and lets wide tables scroll. A text
    /// cell keeps at least 7rem: squeezed narrower on a phone, its words broke letter by letter.
    static let layout = """
        {{% CONTENT_TYPE: ENGEL_HTML}}<!DOCTYPE html>
        <html lang="{{lang}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <meta name="referrer" content="no-referrer">
        {{#refresh}}<meta http-equiv="refresh" content="1">
        {{/refresh}}<title>{{title}} · Engel</title>
        <style>
        :root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--muted:#57606a;--line:#d0d7de;--accent:#b3261e;--ok:#1a7f37;--info:#0969da;--soft:#f6f8fa}
        @media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#30363d;--accent:#ff7b72;--ok:#3fb950;--info:#58a6ff;--soft:#161b22}}
        *{box-sizing:border-box}
        body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        a{color:var(--info)}
        .skip{position:absolute;left:-10000px}
        .skip:focus{left:.5rem;top:.5rem;background:var(--bg);padding:.25rem .5rem}
        header{border-bottom:1px solid var(--line);padding:.5rem 1rem;background:var(--soft)}
        .bar{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;max-width:72rem;margin:0 auto}
        .brand{font-weight:700;font-size:1.25rem;color:var(--accent);text-decoration:none}
        .bar p{margin:0}
        .bar form{margin:0}
        .lang a{padding:0 .25rem}
        nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem .9rem}
        nav.main{max-width:72rem;margin:.5rem auto 0}
        a[aria-current]{font-weight:700;color:var(--fg);text-decoration:none}
        main{padding:1rem;max-width:72rem;margin:0 auto}
        h1{font-size:1.5rem;margin:.25rem 0 1rem}
        h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
        .flash,.notice{padding:.5rem .75rem;margin:0 0 1rem;border-left:4px solid var(--info);background:var(--soft)}
        .flash.success{border-color:var(--ok)}
        .flash.error,.notice.warning{border-color:var(--accent)}
        .hint,.muted{color:var(--muted);font-size:.9rem}
        form.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:0 0 1rem}
        form.inline{display:inline-flex;flex-wrap:wrap;gap:.25rem;margin:0 .25rem .25rem 0}
        label{display:block;font-weight:600;margin:.5rem 0 .2rem}
        form.row label{margin-top:0}
        input,select,button{font:inherit;padding:.35rem .5rem;max-width:100%;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg)}
        input[type=checkbox]{width:auto}
        button,.button{cursor:pointer;background:var(--soft);display:inline-block;padding:.35rem .75rem;border:1px solid var(--line);border-radius:4px;color:var(--fg);text-decoration:none}
        button.danger{border-color:var(--accent);color:var(--accent)}
        .check label{display:inline;font-weight:400}
        .scroll{overflow-x:auto;margin:0 0 1rem}
        table{border-collapse:collapse;width:100%}
        caption{text-align:left;color:var(--muted);padding:.25rem 0}
        th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
        th{white-space:nowrap}
        td{overflow-wrap:anywhere}
        td:not(.nowrap){min-width:7rem}
        .nowrap{white-space:nowrap;font-variant-numeric:tabular-nums}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
        dt{font-weight:600}
        dd{margin:0;overflow-wrap:anywhere}
        .secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
        .pager ul{gap:.25rem 1rem;margin:1rem 0}
        progress{width:100%;height:1.25rem}
        footer{border-top:1px solid var(--line);padding:.75rem 1rem;color:var(--muted);font-size:.85rem;text-align:center}
        @media (max-width:40rem){main{padding:.75rem}dl{grid-template-columns:1fr}dt{margin-top:.5rem}form.row>div{flex:1 1 100%}form.row input{width:100%}}
        </style>
        </head>
        <body>
        <a class="skip" href="#main">{{t.skipToContent}}</a>
        <header>
        <div class="bar">
        <a class="brand" href="{{paths.root}}">Engel</a>
        <span class="muted">{{t.productTagline}}</span>
        <nav class="lang" aria-label="{{t.languageLabel}}"><a href="{{languageTurkish}}" hreflang="tr" lang="tr"{{#isTurkish}} aria-current="true"{{/isTurkish}}>TR</a> <a href="{{languageEnglish}}" hreflang="en" lang="en"{{#isEnglish}} aria-current="true"{{/isEnglish}}>EN</a></nav>
        {{#viewer}}
        <p>{{t.signedInAs}} <strong>{{name}}</strong> <span class="muted">({{roleLabel}})</span></p>
        <p>{{t.accountLabel}}: {{#hasAccount}}<strong>{{accountName}}</strong>{{/hasAccount}}{{^hasAccount}}<em>{{t.noAccountChosen}}</em>{{/hasAccount}}{{#isAdmin}} <a href="{{paths.accounts}}">{{t.switchAccount}}</a>{{/isAdmin}}</p>
        <form method="post" action="{{paths.signOut}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">{{t.signOut}}</button></form>
        {{/viewer}}
        </div>
        {{#hasNav}}
        <nav class="main" aria-label="{{t.navigationLabel}}"><ul>
        {{#nav}}<li><a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a></li>
        {{/nav}}</ul></nav>
        {{/hasNav}}
        </header>
        <main id="main">
        <h1>{{title}}</h1>
        {{#flashes}}<p class="flash {{kind}}" role="{{role}}">{{message}}</p>
        {{/flashes}}
        {{>*pageTemplate}}
        </main>
        <footer>Engel · {{t.footerTimes}}</footer>
        </body>
        </html>

        """
}
