// <kinora-video>: drop Kinora into any page with one tag.
//
//   <script src="https://KINORA-ORIGIN/embed.js" defer></script>
//   <kinora-video prompt="a red ball bounces on the grass" autoplay controls></kinora-video>
//
// Attributes: prompt, autoplay, controls, seed, steps, width / height (CSS pixels,
// default 360 × 640). The element hosts Kinora in a sandboxed iframe from Kinora's own
// origin: the model runs there, on the visitor's device; the host page cannot reach into
// it, and it cannot navigate or open windows on the host page.
(() => {
  const origin = new URL(document.currentScript ? document.currentScript.src : location.href).origin;

  class KinoraVideo extends HTMLElement {
    static get observedAttributes() {
      return ['prompt', 'autoplay', 'controls', 'seed', 'steps', 'width', 'height'];
    }

    connectedCallback() {
      this.render();
    }

    attributeChangedCallback() {
      if (this.isConnected) this.render();
    }

    render() {
      const params = new URLSearchParams({ embed: '1', prompt: this.getAttribute('prompt') || '' });
      for (const flag of ['autoplay', 'controls']) if (this.hasAttribute(flag)) params.set(flag, '1');
      for (const value of ['seed', 'steps']) if (this.hasAttribute(value)) params.set(value, this.getAttribute(value));
      let frame = this.querySelector('iframe');
      if (!frame) {
        frame = document.createElement('iframe');
        frame.setAttribute('sandbox', 'allow-scripts allow-same-origin allow-downloads');
        frame.setAttribute('allow', 'cross-origin-isolated');
        frame.setAttribute('loading', 'lazy');
        frame.style.border = '0';
        this.append(frame);
      }
      frame.title = `Kinora: ${this.getAttribute('prompt') || 'text to video'}`;
      frame.width = this.getAttribute('width') || '360';
      frame.height = this.getAttribute('height') || '640';
      const src = `${origin}/?${params}`;
      if (frame.getAttribute('src') !== src) frame.setAttribute('src', src);
    }
  }

  if (!customElements.get('kinora-video')) customElements.define('kinora-video', KinoraVideo);
})();
