/** The dashboard page's style sheet (inside its `<style>` element). */
export const DASHBOARD_STYLES = `  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 860px; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .muted { color: #888; font-size: .9rem; }
  dl { display: grid; grid-template-columns: 9rem 1fr; gap: .3rem .8rem; }
  dt { font-weight: 600; }
  .ok { color: #1a7f37; } .bad { color: #cf222e; } .warn { color: #9a6700; }
  ul.envs { list-style: none; padding: 0; }
  ul.envs li { display: flex; justify-content: space-between; align-items: center; padding: .4rem .6rem; border: 1px solid #8884; border-radius: 6px; margin: .3rem 0; }
  button { padding: .35rem .9rem; border-radius: 6px; border: 1px solid #8886; cursor: pointer; }
  button[disabled] { opacity: .5; cursor: default; }
  progress { width: 100%; height: 1.2rem; }
  #messages { font-size: .9rem; margin: .3rem 0 0; padding-left: 1.2rem; }
  ol.timeline { list-style: none; padding: 0; margin: 0; max-height: 22rem; overflow: auto; border-left: 3px solid #8884; }
  ol.timeline li { padding: .25rem .6rem; font-size: .9rem; display: grid; grid-template-columns: 10rem 1fr; gap: .6rem; align-items: baseline; }
  ol.timeline time { color: #888; font-variant-numeric: tabular-nums; }
  .k-restart { border-left: 4px solid #0969da; } .k-crash, .k-give-up, .k-switch-bad { border-left: 4px solid #cf222e; }
  .k-hang { border-left: 4px solid #9a6700; } .k-switch-ok { border-left: 4px solid #1a7f37; } .k-supervisor { border-left: 4px solid #8886; }
  .counts span { margin-right: 1rem; }
  .history svg { display: block; max-width: 100%; height: auto; margin: .2rem 0 .6rem; }
  .legend span { margin-right: 1rem; font-size: .85rem; } .legend i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; border-radius: 2px; }
  h3 { font-size: 1rem; margin: .8rem 0 .2rem; }
  #settings fieldset { border: 1px solid #8884; border-radius: 6px; margin: .6rem 0; display: grid; gap: .5rem; }
  #settings label { display: grid; gap: .2rem; font-size: .9rem; }
  #settings label.check { display: flex; gap: .5rem; align-items: center; }
  #settings textarea { font-family: ui-monospace, monospace; min-height: 3.2rem; }
  #settings input[type=text], #settings textarea, #settings select { padding: .25rem .4rem; border: 1px solid #8886; border-radius: 4px; font: inherit; }
  #settings input[aria-invalid=true], #settings textarea[aria-invalid=true] { border: 2px solid #cf222e; outline-color: #cf222e; }
  .field-error { font-size: .85rem; }
  #settings-result { margin-top: .4rem; font-weight: 600; }
  pre { background: #8881; padding: .6rem; border-radius: 6px; max-height: 18rem; overflow: auto; font-size: .8rem; }`;
