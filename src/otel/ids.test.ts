import { describe, expect, it } from 'vitest';
import { formatTraceparent, isOtelSpanId, isTraceId, newOtelSpanId, newTraceId, parseTraceparent } from './ids.js';

describe('otel ids and W3C traceparent', () => {
  it('parses the example of the W3C spec and formats it back', () => {
    const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(tp)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
    expect(formatTraceparent('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7')).toBe(tp);
  });

  it('rejects invalid values: zero ids, upper case, version ff, extra fields in version 00, wrong lengths', () => {
    for (const bad of ['', 'garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra', '00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01']) {
      expect(parseTraceparent(bad), bad).toBeNull();
    }
    expect(parseTraceparent(undefined)).toBeNull();
    // a later version may carry more fields
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future')?.parentId).toBe('00f067aa0ba902b7');
  });

  it('makes random non-zero ids of the right length', () => {
    const traces = new Set(Array.from({ length: 50 }, newTraceId));
    const spans = new Set(Array.from({ length: 50 }, newOtelSpanId));
    expect(traces.size).toBe(50);
    expect(spans.size).toBe(50);
    for (const t of traces) expect(isTraceId(t)).toBe(true);
    for (const s of spans) expect(isOtelSpanId(s)).toBe(true);
  });
});
