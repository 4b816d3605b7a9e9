import { describe, expect, it } from 'vitest';
import { coversHost } from '../../src/doctor/checks/ingress-checks.js';

describe('coversHost', () => {
  it.each([
    ['cccr-miniproject.com', 'cccr-miniproject.com', true],
    ['CCCR-miniproject.com', 'cccr-miniproject.COM', true],
    ['*.example.com', 'blog.example.com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'a.blog.example.com', false],
    ['elsewhere.example', 'old.example', false],
  ])('%s covers %s: %s', (dnsName, host, expected) => {
    expect(coversHost(dnsName, host)).toBe(expected);
  });
});
