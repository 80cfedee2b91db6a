/* audiodl (hooks/search_per_language.py puts this in front of Material's search
 * worker): the search documents are loaded when the reader first searches, not on
 * every page view.
 *
 * Every page fetches search/search_index.json, which now holds only the config (the page
 * needs it to highlight ?h= terms) and `docs_js`, the documents' script relative to this
 * worker. On that setup message this prelude answers "ready" at once; on the first query
 * it loads the documents (importScripts: in a worker, and in the iframe that Material's
 * iframe-worker shim uses under file://), hands Material's worker the full setup, waits
 * for its "ready", and only then passes on the query. The empty query Material sends on
 * "ready" gets the empty result Material would give it, without loading anything.
 * Message types are Material's: SETUP 0, READY 1, QUERY 2, RESULT 3.
 *
 * Every query word is searched as a prefix, so "a" in "moving a model to a device" matches
 * every word starting with a (activation, autograd, augmentation), and those matches, in
 * page titles too, outrank the page about moving a model. The prelude drops the commonest
 * English function words from a query (plain words only: a query with quotes or search
 * operators goes through as typed), unless nothing else is left.
 */
(() => {
  const SETUP = 0, READY = 1, QUERY = 2, RESULT = 3;
  const post = self.postMessage;
  const listen = self.addEventListener.bind(self);
  let held = null;        // the setup message whose documents are not loaded yet
  let loading = null;     // resolves once Material's worker is set up with them
  let onReady = null;     // swallows Material's own "ready" for that setup
  const COMMON = new Set(["a", "an", "and", "as", "at", "by", "for", "in", "is", "it", "of",
                          "on", "or", "the", "to", "with"]);

  function withoutCommonWords(query) {
    if (typeof query !== "string" || /["+\-:^~*]/.test(query)) return query;
    const words = query.trim().split(/\s+/);
    const kept = words.filter((word) => !COMMON.has(word.toLowerCase()));
    return kept.length ? kept.join(" ") : query;
  }

  self.postMessage = function (message, ...rest) {
    if (onReady && message && message.type === READY) {
      const resolve = onReady;
      onReady = null;
      resolve();
      return;
    }
    return post.call(self, message, ...rest);
  };

  async function load(setup, material) {
    const script = typeof document !== "undefined" && document.querySelector("script[src]");
    const here = script ? script.src : self.location.href;
    await importScripts(new URL(setup.data.config.docs_js, here).href);
    const ready = new Promise((resolve) => { onReady = resolve; });
    material({ data: { ...setup, data: { ...setup.data, docs: self.__docs } } });
    await ready;
  }

  self.addEventListener = (type, material, ...rest) => {
    if (type !== "message") return listen(type, material, ...rest);
    listen("message", async (ev) => {
      const message = ev.data;
      if (message.type === SETUP && message.data.config.docs_js) {
        held = message;
        loading = null;
        post.call(self, { type: READY });
        return;
      }
      if (message.type === QUERY && held && !loading && !message.data.trim()) {
        post.call(self, { type: RESULT, data: { items: [] } });
        return;
      }
      if (message.type === QUERY && held) {
        loading = loading || load(held, material);
        await loading;
      }
      if (message.type === QUERY) {
        material({ data: { ...message, data: withoutCommonWords(message.data) } });
        return;
      }
      material(ev);
    }, ...rest);
  };
})();
