//! Files a person can open: contact-sheet PNGs and 16-bit PCM WAVs.
//!
//! WAV is written by hand (a 44-byte header) rather than through a crate: it is tiny and
//! keeps the dependency list short.

use crate::WorldError;
use crate::render::Frame;
use std::io::Write;

/// Tile up to `cols × rows` frames, evenly spaced through the clip, with 2-px gutters.
pub fn contact_sheet(frames: &[Frame], cols: u32, rows: u32) -> Frame {
    let (fw, fh) = frames
        .first()
        .map(|f| (f.width, f.height))
        .unwrap_or((1, 1));
    let gap = 2;
    let mut sheet = Frame::new(cols * (fw + gap) + gap, rows * (fh + gap) + gap);
    sheet.rgb.fill(24);
    let n = (cols * rows) as usize;
    for k in 0..n.min(frames.len()) {
        let idx = if n <= 1 {
            0
        } else {
            k * (frames.len() - 1) / (n - 1)
        };
        let f = &frames[idx];
        let (ox, oy) = (
            gap + (k as u32 % cols) * (fw + gap),
            gap + (k as u32 / cols) * (fh + gap),
        );
        for y in 0..fh {
            let src = (y * fw * 3) as usize;
            let dst = (((oy + y) * sheet.width + ox) * 3) as usize;
            sheet.rgb[dst..dst + (fw * 3) as usize]
                .copy_from_slice(&f.rgb[src..src + (fw * 3) as usize]);
        }
    }
    sheet
}

/// Encode a frame as PNG.
pub fn write_png(frame: &Frame, out: impl Write) -> Result<(), WorldError> {
    let mut enc = png::Encoder::new(out, frame.width, frame.height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header()?;
    w.write_image_data(&frame.rgb)?;
    w.finish()?;
    Ok(())
}

/// Convert float audio in −1..1 to 16-bit PCM (clamped).
pub fn to_i16(audio: &[f32]) -> Vec<i16> {
    audio
        .iter()
        .map(|&s| (s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
        .collect()
}

/// Write mono 16-bit PCM WAV.
pub fn write_wav(audio: &[f32], sample_rate: u32, mut out: impl Write) -> Result<(), WorldError> {
    let pcm = to_i16(audio);
    let data_len = (pcm.len() * 2) as u32;
    let mut h = Vec::with_capacity(44 + data_len as usize);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_len).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes()); // PCM
    h.extend_from_slice(&1u16.to_le_bytes()); // mono
    h.extend_from_slice(&sample_rate.to_le_bytes());
    h.extend_from_slice(&(sample_rate * 2).to_le_bytes());
    h.extend_from_slice(&2u16.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    for s in pcm {
        h.extend_from_slice(&s.to_le_bytes());
    }
    out.write_all(&h)?;
    Ok(())
}

/// Write frames as a YUV4MPEG2 (`.y4m`) stream, 4:4:4 8-bit, BT.601 limited range: the
/// plain format ffmpeg and Kinora's clip import read, so a world render can be exported
/// like a generated clip.
pub fn write_y4m(frames: &[Frame], fps: u32, mut out: impl Write) -> Result<(), WorldError> {
    let Some(first) = frames.first() else {
        return Err(WorldError::Config("no frames to write".into()));
    };
    writeln!(
        out,
        "YUV4MPEG2 W{} H{} F{fps}:1 Ip A1:1 C444",
        first.width, first.height
    )?;
    for frame in frames {
        let n = frame.rgb.len() / 3;
        let mut planes = vec![0u8; n * 3];
        for (i, px) in frame.rgb.chunks_exact(3).enumerate() {
            let (r, g, b) = (i32::from(px[0]), i32::from(px[1]), i32::from(px[2]));
            planes[i] = (((66 * r + 129 * g + 25 * b + 128) >> 8) + 16) as u8;
            planes[n + i] = (((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128) as u8;
            planes[2 * n + i] = (((112 * r - 94 * g - 18 * b + 128) >> 8) + 128) as u8;
        }
        out.write_all(b"FRAME\n")?;
        out.write_all(&planes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_header_and_length() {
        let mut buf = Vec::new();
        write_wav(&[0.0, 0.5, -1.0], 24_000, &mut buf).expect("wav");
        assert_eq!(buf.len(), 44 + 6);
        assert_eq!(&buf[0..4], b"RIFF");
        assert_eq!(i16::from_le_bytes([buf[46], buf[47]]), 16384);
    }

    #[test]
    fn sheet_places_first_and_last_frame() {
        let mut a = Frame::new(4, 4);
        a.rgb.fill(10);
        let mut b = Frame::new(4, 4);
        b.rgb.fill(200);
        let s = contact_sheet(&[a, b], 2, 1);
        assert_eq!(s.get(2, 2), [10, 10, 10]);
        assert_eq!(s.get(8, 2), [200, 200, 200]);
        let mut png = Vec::new();
        write_png(&s, &mut png).expect("png");
        assert_eq!(&png[1..4], b"PNG");
    }
}
