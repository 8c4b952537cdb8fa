// H.264 encoding with the browser's own encoder (WebCodecs). The Rust side prepares each
// frame (label, colour conversion, watermark) as I420 bytes and hands it here; the encoder
// runs on the browser's media threads, so the page stays responsive. Output: Annex B
// access units (SPS/PPS in-band on keyframes), which the Rust muxer takes.

// Baseline first (plays everywhere), then Main and High for sizes Baseline's level lacks.
const CANDIDATE_CODECS = ["avc1.42001f", "avc1.42002a", "avc1.4d0028", "avc1.640028"];

function config(codec, width, height, fps, bitrate) {
  return {
    codec,
    width,
    height,
    framerate: fps,
    bitrate,
    bitrateMode: "variable",
    latencyMode: "quality",
    avc: { format: "annexb" },
  };
}

// The codec string this browser can encode at this size, or null (then the caller uses
// the pure-Rust encoder).
export async function h264Codec(width, height, fps, bitrate) {
  if (typeof VideoEncoder === "undefined" || typeof VideoFrame === "undefined") return null;
  for (const codec of CANDIDATE_CODECS) {
    try {
      const { supported } = await VideoEncoder.isConfigSupported(config(codec, width, height, fps, bitrate));
      if (supported) return codec;
    } catch (_) {
      // A malformed config for this codec: try the next one.
    }
  }
  return null;
}

export class H264Session {
  constructor(codec, width, height, fps, bitrate, keyframeInterval) {
    this.width = width;
    this.height = height;
    this.fps = fps;
    this.keyframeInterval = keyframeInterval;
    this.chunks = [];
    this.error = null;
    this.encoder = new VideoEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        this.chunks.push({ data, key: chunk.type === "key", timestamp: chunk.timestamp });
      },
      error: (e) => {
        this.error = e;
      },
    });
    this.encoder.configure(config(codec, width, height, fps, bitrate));
  }

  // Encode frame `index` (I420 planes back to back). Resolves once the encoder's queue is
  // short again, so memory stays bounded however long the clip.
  async encode(i420, index) {
    if (this.error) throw this.error;
    const frame = new VideoFrame(i420, {
      format: "I420",
      codedWidth: this.width,
      codedHeight: this.height,
      // Microseconds, from integers: no drift.
      timestamp: Math.round((index * 1e6) / this.fps),
      duration: Math.round(1e6 / this.fps),
      colorSpace: { matrix: "smpte170m", primaries: "smpte170m", transfer: "smpte170m", fullRange: false },
    });
    try {
      // An interval of 0: the first frame only.
      const every = this.keyframeInterval;
      this.encoder.encode(frame, { keyFrame: every > 0 ? index % every === 0 : index === 0 });
    } finally {
      frame.close();
    }
    while (this.encoder.encodeQueueSize > 4 && !this.error) {
      await new Promise((resolve) => this.encoder.addEventListener("dequeue", resolve, { once: true }));
    }
  }

  // Finish; returns [{data: Uint8Array, key: bool}] in presentation order.
  async finish() {
    await this.encoder.flush();
    this.encoder.close();
    if (this.error) throw this.error;
    this.chunks.sort((a, b) => a.timestamp - b.timestamp);
    return this.chunks;
  }

  close() {
    if (this.encoder.state !== "closed") this.encoder.close();
  }
}

// Web Share with a file, where the browser has it (not in headless Chromium, nor in most
// desktop browsers): feature-detected, never assumed.
export function canShareFile(bytes, name) {
  if (typeof navigator.canShare !== "function") return false;
  try {
    const file = new File([bytes], name, { type: "video/mp4" });
    return navigator.canShare({ files: [file] });
  } catch (_) {
    return false;
  }
}

export async function shareFile(bytes, name, title) {
  const file = new File([bytes], name, { type: "video/mp4" });
  await navigator.share({ files: [file], title });
}

// Yield to the event loop so the UI can paint progress between frames.
export function nextTick() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

// Resolve after `ms` milliseconds (the embed's frame player).
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
