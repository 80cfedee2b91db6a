// Chapter 5's digit network in the reader's browser (docs/ch5/deploy.md, #try-it).
//
// The page's marker (<!-- example: ch5/deploy demo -->, hooks/example_markdown.py) writes
// the box with the URLs of the exported graph (digit_cnn.onnx), its settings
// (digit_cnn.json: rate, window, trimming and the no-digit rule, from audiodl itself) and
// onnxruntime-web (served by the site: hooks/web_runtime.py). Nothing loads until the
// reader presses the button or gives a file; no audio leaves the page.
//
// The steps are predict.py's: mix to mono, resample to 8 kHz, cut the silent ends
// (audiodl.digits.trim_silence), measure length, level and swing
// (audiodl.recognise.measure), centre the sound in the 0.8 s window (fix_length), run the
// graph, softmax, and apply the rule (NoDigitRule.reason). The test
// tests/browser/test_digit_demo.py holds the answers to predict.py's on 50 clips.
(() => {
  "use strict";

  const TEXT = {
    zh: {
      ready: "按下按钮后对着麦克风说一个数字（0 到 9，英语），或者给一个录音文件。",
      loading: "正在载入运行时和模型（第一次约 14 MB）……",
      asking: "正在请求使用麦克风……",
      recording: (s) => `正在录音，请说一个数字……还剩 ${s} 秒（再按一次提前结束）`,
      stop: "结束录音",
      working: "正在识别……",
      decoding: (name) => `正在读取 ${name}……`,
      done: (what, ms) => `识别完成：${what}。网络在你的浏览器里算了 ${ms} 毫秒。`,
      digit: (d, p) => `数字 ${d}（概率 ${p}）`,
      noDigit: (why, d, p) => `没有数字（${why}；最可能是 ${d}，概率 ${p}）`,
      reasons: {
        "too short": "太短",
        "too quiet": "太轻",
        "not speech-like: too steady": "不像语音：太平稳",
        "too long for one digit": "对一个数字来说太长",
        "the network is unsure": "网络拿不准",
      },
      bars: "十个数字的概率",
      refused: "浏览器没有得到使用麦克风的许可。可以在地址栏的网站设置里允许麦克风，或者改用录音文件。",
      noMic: "没有找到麦克风。可以改用录音文件。",
      micError: (e) => `麦克风无法使用（${e}）。可以改用录音文件。`,
      noRecording: "这个浏览器不能在网页里录音。可以改用录音文件。",
      insecure: "浏览器只允许 https 或本机地址的网页使用麦克风。可以改用录音文件。",
      offline: "离线版是从本地磁盘打开的，浏览器不允许从磁盘载入运行时（WebAssembly），所以这个演示只能在网站上运行。",
      noRuntime: (e) => `运行时没能载入（${e}）。如果这是你自己构建的网站，请在装有 Node.js/npm 的机器上运行 make setup。`,
      cannotRead: (name, e) => `${name}：无法解码（${e}）。请换一个 WAV、FLAC 或 OGG 文件。`,
      tooBig: (name) => `${name}：文件超过 50 MB，太大了。`,
      empty: (name) => `${name}：空文件（0 字节）。请换一个录音文件。`,
      truncated: (name, said, held) => `${name}：文件不完整：文件头说有 ${said} 字节的采样，文件里只有 ${held} 字节。请换一个录音文件。`,
      noData: (name) => `${name}：文件不完整或已损坏：没有存放采样的 data 块。请换一个录音文件。`,
      notFinite: (name) => `${name}：有的采样是 NaN 或无穷大（文件已损坏）。请换一个录音文件。`,
      notOne: "一次只能识别一个文件，请只拖入一个。",
    },
    en: {
      ready: "Press the button and say a digit (0 to 9, in English) into the microphone, or give a recording.",
      loading: "Loading the runtime and the model (about 14 MB the first time)…",
      asking: "Asking for the microphone…",
      recording: (s) => `Recording: say a digit… ${s} s left (press again to stop early)`,
      stop: "Stop recording",
      working: "Recognising…",
      decoding: (name) => `Reading ${name}…`,
      done: (what, ms) => `Done: ${what}. The network took ${ms} ms in your browser.`,
      digit: (d, p) => `digit ${d} (probability ${p})`,
      noDigit: (why, d, p) => `no digit (${why}; best guess ${d} at ${p})`,
      reasons: {
        "too short": "too short",
        "too quiet": "too quiet",
        "not speech-like: too steady": "not speech-like: too steady",
        "too long for one digit": "too long for one digit",
        "the network is unsure": "the network is unsure",
      },
      bars: "The ten digits' probabilities",
      refused: "The browser was not allowed to use the microphone. Allow it in the site settings next to the address bar, or choose a recording instead.",
      noMic: "No microphone was found. Choose a recording instead.",
      micError: (e) => `The microphone cannot be used (${e}). Choose a recording instead.`,
      noRecording: "This browser cannot record in a web page. Choose a recording instead.",
      insecure: "Browsers let only https pages and local addresses use the microphone. Choose a recording instead.",
      offline: "The offline edition is opened from disk, and browsers do not load the runtime (WebAssembly) from disk, so this demo runs on the website only.",
      noRuntime: (e) => `The runtime did not load (${e}). If you built this site yourself, run make setup on a machine with Node.js/npm.`,
      cannotRead: (name, e) => `${name}: cannot be decoded (${e}). Try a WAV, FLAC or OGG file.`,
      tooBig: (name) => `${name}: the file is over 50 MB, too large.`,
      empty: (name) => `${name}: empty file (0 bytes). Try another recording.`,
      truncated: (name, said, held) => `${name}: truncated: its header announces ${said} bytes of samples, the file holds ${held}. Try another recording.`,
      noData: (name) => `${name}: truncated or damaged: no 'data' chunk of samples. Try another recording.`,
      notFinite: (name) => `${name}: some of its samples are NaN or infinite (the file is damaged). Try another recording.`,
      notOne: "One file at a time, please: drop just one.",
    },
  };
  const t = TEXT[document.documentElement.lang.startsWith("zh") ? "zh" : "en"];
  const RECORD_SECONDS = 2.5;
  const MAX_BYTES = 50 * 2 ** 20;
  // A file whose header states no rate is decoded straight to the network's rate
  // (digit_cnn.json's sample_rate, loaded only later; toNetworkRate resamples again should
  // the two ever differ).
  const NETWORK_RATE = 8000;

  // ------------------------------------------------------------------ the runtime

  let runtime = null; // one promise per page: {ort, settings, session} for each demo's URLs

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`${src} did not load`));
      document.head.append(script);
    });
  }

  function loadRuntime(box) { // run() has already refused file:// (the offline edition)
    runtime ??= (async () => {
      const base = new URL(box.dataset.runtime, location.href).href;
      try {
        await loadScript(base + "ort.wasm.min.js");
        const ort = globalThis.ort;
        ort.env.wasm.wasmPaths = base;
        ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a static host lacks
        const response = await fetch(box.dataset.settings);
        if (!response.ok) throw new Error(`${box.dataset.settings}: HTTP ${response.status}`);
        const settings = await response.json();
        const session = await ort.InferenceSession.create(box.dataset.model,
                                                          {executionProviders: ["wasm"]});
        return {ort, settings, session};
      } catch (err) {
        runtime = null; // a later press tries again
        throw new DemoError(t.noRuntime(err.message || String(err)));
      }
    })();
    return runtime;
  }

  class DemoError extends Error {}

  // ------------------------------------------------------------------ predict.py's steps

  function maxOf(values) { // Math.max(...values) overflows the stack on a long recording
    let most = -Infinity;
    for (const v of values) if (v > most) most = v;
    return most;
  }

  function meanSquare(x, start, length) {
    let sum = 0;
    for (let i = start; i < start + length; i++) sum += x[i] * x[i];
    return sum / length;
  }

  // audiodl.digits.trim_silence: from the first to the last frame within top_db of the
  // loudest frame (frames of `frame` samples every `hop`)
  function trimSilence(wave, {top_db: topDb, frame, hop}) {
    const n = wave.length;
    if (n <= frame) return wave;
    const count = Math.floor((n - frame) / hop) + 1;
    const power = new Float64Array(count);
    for (let i = 0; i < count; i++) power[i] = meanSquare(wave, i * hop, frame);
    const peak = Math.max(maxOf(power), 1e-20);
    let first = -1, last = -1;
    for (let i = 0; i < count; i++) {
      if (10 * Math.log10(Math.max(power[i], 1e-20) / peak) > -topDb) {
        if (first < 0) first = i;
        last = i;
      }
    }
    return wave.subarray(first * hop, Math.min(n, last * hop + frame));
  }

  // audiodl.recognise.frame_levels_db: dB of a full-scale sine, frames of `frame`, hop frame / 2
  function frameLevelsDb(sound, frame, fullScale) {
    let wave = sound;
    if (wave.length < frame) {
      wave = new Float32Array(frame);
      wave.set(sound);
    }
    const hop = frame / 2;
    const count = Math.floor((wave.length - frame) / hop) + 1;
    const levels = [];
    for (let i = 0; i < count; i++) {
      levels.push(10 * Math.log10(Math.max(meanSquare(wave, i * hop, frame), 1e-12) / fullScale));
    }
    return levels;
  }

  function std(values) { // torch.std: n - 1 in the denominator
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  }

  // audiodl.digits.fix_length: centre in `length` samples, zeros around or both ends cut
  function fixLength(sound, length) {
    const n = sound.length;
    if (n >= length) {
      const start = Math.floor((n - length) / 2);
      return sound.slice(start, start + length);
    }
    const out = new Float32Array(length);
    out.set(sound, Math.floor((length - n) / 2));
    return out;
  }

  // audiodl.recognise.NoDigitRule.reason: the first threshold missed, or null for a digit
  function reason(rule, m) {
    if (m.seconds < rule.min_seconds) return "too short";
    if (m.levelDb < rule.min_level_db) return "too quiet";
    if (m.swingDb < rule.min_swing_db) return "not speech-like: too steady";
    if (m.seconds > rule.max_seconds) return "too long for one digit";
    if (m.probability < rule.min_probability) return "the network is unsure";
    return null;
  }

  async function recognise({ort, settings, session}, wave8k) {
    const sound = trimSilence(wave8k, settings.trim);
    const levels = frameLevelsDb(sound, settings.level_frame, settings.full_scale_power);
    const top = maxOf(levels);
    const loud = levels.filter((level) => level > top - settings.swing_range_db);
    const input = new ort.Tensor("float32", fixLength(sound, settings.window),
                                 [1, settings.window]);
    const start = performance.now();
    const logits = (await session.run({[settings.input]: input}))[settings.output].data;
    const ms = performance.now() - start; // the graph alone: features and network
    const most = maxOf(logits);
    const exps = Array.from(logits, (z) => Math.exp(z - most));
    const total = exps.reduce((a, b) => a + b, 0);
    const probabilities = exps.map((e) => e / total);
    const digit = probabilities.indexOf(maxOf(probabilities));
    const m = {seconds: sound.length / settings.sample_rate, levelDb: top,
               swingDb: loud.length > 1 ? std(loud) : 0, digit,
               probability: probabilities[digit]};
    return {...m, probabilities, ms, reason: reason(settings.rule, m)};
  }

  // ------------------------------------------------------------------ audio in

  // audiodl.recognise.to_8k_mono: the channels averaged, then scipy.signal.resample_poly as
  // it is called there: a low-pass FIR of 20 max(up, down) + 1 taps (a sinc cut off at the
  // lower of the two Nyquist frequencies, Kaiser window with beta 5, scaled to a gain of
  // up), applied to the wave upsampled by `up`, keeping every `down`-th sample, centred.
  // Not the browser's own resampling: Chromium's OfflineAudioContext interpolates
  // linearly, with no low-pass filter, so a microphone's 4-24 kHz would fold below 4 kHz.
  function besselI0(x) {
    let sum = 1, term = 1;
    for (let k = 1; k < 100 && term > 1e-16 * sum; k++) {
      term *= (x / (2 * k)) ** 2;
      sum += term;
    }
    return sum;
  }

  function lowPass(taps, cutoff, gain) { // scipy.signal.firwin(taps, cutoff, window=("kaiser", 5))
    const h = new Float64Array(taps), middle = (taps - 1) / 2, beta = 5;
    let sum = 0;
    for (let n = 0; n < taps; n++) {
      const m = n - middle, r = n / middle - 1;
      const sinc = m === 0 ? 1 : Math.sin(Math.PI * cutoff * m) / (Math.PI * cutoff * m);
      h[n] = cutoff * sinc * besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(beta);
      sum += h[n];
    }
    return h.map((v) => v * gain / sum);
  }

  function resample(x, from, to) {
    const gcd = (a, b) => (b ? gcd(b, a % b) : a);
    const g = gcd(from, to), up = to / g, down = from / g;
    if (up === down || x.length === 0) return Float32Array.from(x);
    const half = 10 * Math.max(up, down);
    const h = lowPass(2 * half + 1, 1 / Math.max(up, down), up);
    const shift = down - (half % down); // scipy's zeros before the filter
    const skip = Math.floor((half + shift) / down); // and the outputs it drops first
    const out = new Float32Array(Math.ceil(x.length * up / down));
    for (let k = 0; k < out.length; k++) {
      const t = (k + skip) * down - shift; // out[k] = sum over i of h[t - i up] x[i]
      let sum = 0;
      for (let i = Math.max(0, Math.ceil((t - h.length + 1) / up)),
        last = Math.min(x.length - 1, Math.floor(t / up)); i <= last; i++) {
        sum += h[t - i * up] * x[i];
      }
      out[k] = sum;
    }
    return out;
  }

  function toNetworkRate(buffer, rate) {
    const mono = new Float32Array(buffer.length);
    for (let c = 0; c < buffer.numberOfChannels; c++) {
      const data = buffer.getChannelData(c);
      for (let i = 0; i < mono.length; i++) mono[i] += data[i] / buffer.numberOfChannels;
    }
    return resample(mono, buffer.sampleRate, rate);
  }

  // The sample rate a WAV, FLAC or Ogg Vorbis file states in its header (null: unknown), so
  // it can be decoded at its own rate: decodeAudioData resamples to its context's rate.
  function statedRate(bytes) {
    const view = new DataView(bytes), n = bytes.byteLength;
    const text = (at, length) => String.fromCharCode(...new Uint8Array(bytes, at, length));
    if (n >= 12 && text(0, 4) === "RIFF" && text(8, 4) === "WAVE") {
      for (let pos = 12; pos + 16 <= n;) {
        if (text(pos, 4) === "fmt ") return view.getUint32(pos + 12, true);
        const size = view.getUint32(pos + 4, true);
        pos += 8 + size + (size & 1);
      }
    } else if (n >= 21 && text(0, 4) === "fLaC") { // STREAMINFO: 20 bits from byte 18
      return (view.getUint8(18) << 12) | (view.getUint8(19) << 4) | (view.getUint8(20) >> 4);
    } else if (n >= 64 && text(0, 4) === "OggS") {
      const at = text(0, 64).indexOf("\x01vorbis"); // identification header, first page
      if (at >= 0 && at + 16 <= n) return view.getUint32(at + 12, true);
    }
    return null;
  }

  // What audiodl.datasets.read_audio refuses before decoding: an empty file, and a WAV file
  // cut short (decoders quietly play the part that is left).
  function checkBytes(bytes, name) {
    if (bytes.byteLength === 0) throw new DemoError(t.empty(name));
    const view = new DataView(bytes);
    const tag = (at) => String.fromCharCode(...new Uint8Array(bytes, at, 4));
    if (bytes.byteLength < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") return;
    for (let pos = 12; pos + 8 <= bytes.byteLength;) {
      const size = view.getUint32(pos + 4, true);
      if (tag(pos) === "data") {
        const held = bytes.byteLength - pos - 8;
        if (size > held && size !== 0xFFFFFFFF) throw new DemoError(t.truncated(name, size, held));
        return;
      }
      pos += 8 + size + (size & 1);
    }
    throw new DemoError(t.noData(name));
  }

  function decodingContext(rate) {
    try {
      return new OfflineAudioContext(1, 1, rate);
    } catch { // a rate this browser's audio contexts cannot run at: it resamples instead
      return new OfflineAudioContext(1, 1, NETWORK_RATE);
    }
  }

  async function decodeFile(file) {
    const bytes = await file.arrayBuffer();
    checkBytes(bytes, file.name);
    // decodeAudioData rejects what it cannot decode, and resamples what it decodes to its
    // context's rate: the file's own where its header says it, so that the resampling is
    // predict.py's (toNetworkRate), else the network's.
    const context = decodingContext(statedRate(bytes) ?? NETWORK_RATE);
    let buffer;
    try {
      buffer = await context.decodeAudioData(bytes);
    } catch (err) {
      throw new DemoError(t.cannotRead(file.name, err.message || err.name));
    }
    for (let c = 0; c < buffer.numberOfChannels; c++) {
      if (!buffer.getChannelData(c).every(Number.isFinite)) throw new DemoError(t.notFinite(file.name));
    }
    return buffer;
  }

  // An AudioWorklet that hands the main thread every block it hears, as a module made
  // here (a Blob), so the site needs no extra file for it.
  const CAPTURE = `registerProcessor("audiodl-capture", class extends AudioWorkletProcessor {
    process(inputs) {
      const channels = inputs[0];
      if (channels && channels.length) this.port.postMessage(channels.map((c) => c.slice()));
      return true;
    }
  });`;

  async function record(seconds, onTick, stopped) {
    if (!window.isSecureContext) throw new DemoError(t.insecure);
    if (!navigator.mediaDevices?.getUserMedia || !window.AudioWorkletNode) {
      throw new DemoError(t.noRecording);
    }
    // Made before the first await, while the press still counts as the reader's gesture:
    // some browsers (Safari) otherwise start the context suspended.
    const context = new AudioContext();
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: {
        echoCancellation: false, noiseSuppression: false, autoGainControl: false}});
    } catch (err) {
      context.close();
      if (err.name === "NotAllowedError" || err.name === "SecurityError") {
        throw new DemoError(t.refused);
      }
      if (err.name === "NotFoundError" || err.name === "OverconstrainedError") {
        throw new DemoError(t.noMic);
      }
      throw new DemoError(t.micError(err.name || err.message));
    }
    try {
      await context.resume();
      const url = URL.createObjectURL(new Blob([CAPTURE], {type: "text/javascript"}));
      await context.audioWorklet.addModule(url);
      URL.revokeObjectURL(url);
      const node = new AudioWorkletNode(context, "audiodl-capture");
      const blocks = [];
      node.port.onmessage = (event) => blocks.push(event.data);
      context.createMediaStreamSource(stream).connect(node);
      node.connect(context.destination); // silent (it writes no output), but some browsers
                                         // only run a node that leads to the destination
      const start = performance.now();
      await new Promise((resolve) => {
        const tick = () => {
          const left = seconds - (performance.now() - start) / 1000;
          if (left <= 0 || stopped()) return resolve();
          onTick(Math.ceil(left));
          setTimeout(tick, 100);
        };
        tick();
      });
      const channels = Math.max(1, ...blocks.map((b) => b.length));
      const total = blocks.reduce((n, b) => n + b[0].length, 0);
      const buffer = new AudioBuffer({numberOfChannels: channels, length: Math.max(1, total),
                                      sampleRate: context.sampleRate});
      for (let c = 0; c < channels; c++) {
        const data = buffer.getChannelData(c);
        let at = 0;
        for (const block of blocks) {
          data.set(block[Math.min(c, block.length - 1)], at);
          at += block[0].length;
        }
      }
      return buffer;
    } finally {
      stream.getTracks().forEach((track) => track.stop());
      context.close();
    }
  }

  // ------------------------------------------------------------------ the box

  function percent(p) {
    return `${(100 * p).toFixed(1)}%`;
  }

  function setUp(box) {
    const button = box.querySelector(".digit-demo__record");
    const input = box.querySelector("input[type=file]");
    const status = box.querySelector(".digit-demo__status");
    const answer = box.querySelector(".digit-demo__answer");
    const bars = box.querySelector(".digit-demo__bars");
    const label = button.textContent;
    let busy = false, stopRequested = false;

    bars.setAttribute("role", "group");
    bars.setAttribute("aria-label", t.bars);
    const rows = [], fills = [], values = [];
    for (let d = 0; d < 10; d++) {
      const row = document.createElement("div");
      row.className = "digit-demo__row";
      row.innerHTML = `<span class="digit-demo__digit">${d}</span>` +
        '<span class="digit-demo__track"><span class="digit-demo__fill"></span></span>' +
        '<span class="digit-demo__value">–</span>';
      bars.append(row);
      rows.push(row);
      fills.push(row.querySelector(".digit-demo__fill"));
      values.push(row.querySelector(".digit-demo__value"));
    }

    function show(state, message) {
      box.dataset.state = state; // idle, loading, recording, working, done, error (tests read it)
      status.textContent = message;
    }

    function showResult(r) {
      r.probabilities.forEach((p, d) => {
        fills[d].style.width = percent(p);
        values[d].textContent = percent(p);
        rows[d].classList.toggle("digit-demo__row--best", d === r.digit);
      });
      const what = r.reason === null ? t.digit(r.digit, percent(r.probability))
        : t.noDigit(t.reasons[r.reason] ?? r.reason, r.digit, percent(r.probability));
      answer.textContent = what;
      box.dataset.digit = r.reason === null ? String(r.digit) : "none";
      box.dataset.probability = String(r.probability);
      box.dataset.reason = r.reason ?? "";
      show("done", t.done(what, r.ms < 10 ? r.ms.toFixed(1) : r.ms.toFixed(0)));
    }

    async function run(getAudio) {
      if (busy) return;
      busy = true;
      button.disabled = input.disabled = true;
      delete box.dataset.digit; // no earlier answer stays on show beside a new error
      answer.textContent = "";
      fills.forEach((fill, d) => {
        fill.style.width = "0";
        values[d].textContent = "–";
        rows[d].classList.remove("digit-demo__row--best");
      });
      try {
        if (location.protocol === "file:") throw new DemoError(t.offline); // before any work
        const ready = loadRuntime(box);
        ready.catch(() => {}); // reported below, once the audio is in
        const buffer = await getAudio();
        show("loading", t.loading);
        const rt = await ready;
        show("working", t.working);
        showResult(await recognise(rt, toNetworkRate(buffer, rt.settings.sample_rate)));
      } catch (err) {
        show("error", err instanceof DemoError ? err.message : String(err));
      } finally {
        busy = false;
        button.textContent = label;
        button.disabled = input.disabled = false;
      }
    }

    async function fromFile(file) {
      if (file.size > MAX_BYTES) throw new DemoError(t.tooBig(file.name));
      show("loading", t.decoding(file.name));
      return decodeFile(file);
    }

    button.addEventListener("click", () => {
      if (busy) {
        stopRequested = true;
        return;
      }
      stopRequested = false;
      run(async () => {
        show("loading", t.asking);
        const buffer = await record(RECORD_SECONDS, (s) => {
          if (box.dataset.state !== "recording") {
            button.textContent = t.stop;
            button.disabled = false; // pressing again stops early
          }
          show("recording", t.recording(s));
        }, () => stopRequested);
        button.disabled = true;
        return buffer;
      });
    });
    input.addEventListener("change", () => {
      const file = input.files[0];
      input.value = ""; // the same file again is a new change
      if (file) run(() => fromFile(file));
    });
    box.addEventListener("dragover", (event) => {
      event.preventDefault();
      box.classList.add("digit-demo--over");
    });
    box.addEventListener("dragleave", () => box.classList.remove("digit-demo--over"));
    box.addEventListener("drop", (event) => {
      event.preventDefault();
      box.classList.remove("digit-demo--over");
      const files = event.dataTransfer.files;
      if (files.length !== 1) show("error", t.notOne);
      else run(() => fromFile(files[0]));
    });

    button.disabled = input.disabled = false;
    show("idle", location.protocol === "file:" ? t.offline : t.ready);
  }

  document.querySelectorAll(".digit-demo").forEach(setUp);
})();
