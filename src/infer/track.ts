// Faces followed across video frames: each frame's faces are matched to the tracks by box overlap (greedy, best
// IoU first), and each track's age distribution and box are smoothed (exponential moving average), so a still
// face's age does not jump from frame to frame (face-api.js #956). The age and interval are read from the smoothed
// distribution, so they stay consistent with each other. No Node imports: the browser entry uses it.
import type { Box, Face } from '../core/types.js';
import { iou } from '../detect/pipeline.js';
import { ageInterval, expectedAge } from '../models/dex.js';

export interface TrackerOptions {
  /** Lowest IoU between a track's box and a new face for them to be the same person. Default 0.3. */
  minIou?: number;
  /**
   * Weight of a new frame in the smoothed distribution once the track is 1/ageAlpha frames old (before that,
   * the plain mean of its frames). Default 0.1: about the last 10 frames.
   */
  ageAlpha?: number;
  /** Weight of a new frame in the smoothed box. Default 0.5 (boxes follow a moving face quickly). */
  boxAlpha?: number;
  /** Frames a track survives without a matching face. Default 5. */
  maxMissed?: number;
  /** Quantiles reported as low and high. Default [0.1, 0.9]. */
  interval?: [number, number];
}

export interface TrackedFace {
  /** Stable for as long as the face is tracked: 1, 2, 3, ... in order of appearance. */
  id: number;
  box: Box;
  age: number;
  low: number;
  high: number;
  distribution: number[];
  /** Frames this track has been matched in. */
  frames: number;
  /** Frames since it was last matched (0: seen in the latest frame). */
  missed: number;
}

export interface FaceTracker {
  /** Matches one frame's faces to the tracks; returns the live tracks, seen in this frame or recently. */
  update(faces: readonly Pick<Face, 'box' | 'distribution'>[]): TrackedFace[];
  reset(): void;
}

export function createFaceTracker(options: TrackerOptions = {}): FaceTracker {
  const minIou = options.minIou ?? 0.3;
  const ageAlpha = options.ageAlpha ?? 0.1;
  const boxAlpha = options.boxAlpha ?? 0.5;
  const maxMissed = options.maxMissed ?? 5;
  const [lowQ, highQ] = options.interval ?? [0.1, 0.9];
  let tracks: TrackedFace[] = [];
  let nextId = 1;

  const read = (t: TrackedFace): TrackedFace => {
    const { low, high } = ageInterval(t.distribution, lowQ, highQ);
    return { ...t, age: expectedAge(t.distribution), low, high };
  };

  return {
    update(faces) {
      const pairs: { t: number; f: number; overlap: number }[] = [];
      tracks.forEach((track, t) =>
        faces.forEach((face, f) => {
          const overlap = iou(track.box, face.box);
          if (overlap >= minIou) pairs.push({ t, f, overlap });
        }),
      );
      pairs.sort((a, b) => b.overlap - a.overlap);
      const trackTaken = new Set<number>();
      const faceTaken = new Set<number>();
      for (const { t, f } of pairs) {
        if (trackTaken.has(t) || faceTaken.has(f)) continue;
        trackTaken.add(t);
        faceTaken.add(f);
        const track = tracks[t]!;
        const face = faces[f]!;
        const mix = (a: number, b: number, k: number) => a + (b - a) * k;
        const k = Math.max(ageAlpha, 1 / (track.frames + 1));
        track.distribution = track.distribution.map((p, i) => mix(p, face.distribution[i] ?? 0, k));
        track.box = {
          x: mix(track.box.x, face.box.x, boxAlpha),
          y: mix(track.box.y, face.box.y, boxAlpha),
          width: mix(track.box.width, face.box.width, boxAlpha),
          height: mix(track.box.height, face.box.height, boxAlpha),
        };
        track.frames += 1;
        track.missed = 0;
        tracks[t] = read(track);
      }
      tracks.forEach((track, t) => {
        if (!trackTaken.has(t)) track.missed += 1;
      });
      tracks = tracks.filter((t) => t.missed <= maxMissed);
      faces.forEach((face, f) => {
        if (faceTaken.has(f)) return;
        tracks.push(read({ id: nextId++, box: { ...face.box }, distribution: [...face.distribution], age: 0, low: 0, high: 0, frames: 1, missed: 0 }));
      });
      return tracks.map((t) => ({ ...t, box: { ...t.box } }));
    },
    reset() {
      tracks = [];
      nextId = 1;
    },
  };
}
