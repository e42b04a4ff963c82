import { describe, expect, it } from 'vitest';
import { dnsLabelProblem, siteNameProblem } from './siteName';

describe('siteNameProblem', () => {
  it('accepts DNS labels of 1 to 63 characters', () => {
    expect(siteNameProblem('a')).toBeNull();
    expect(siteNameProblem('my-site-2')).toBeNull();
    expect(siteNameProblem('a'.repeat(63))).toBeNull();
  });

  it('refuses names longer than 63 characters and says how long they are', () => {
    expect(siteNameProblem('a'.repeat(64))).toBe('Use at most 63 characters (this is 64).');
  });

  it('refuses upper case, other characters and hyphens at either end', () => {
    expect(siteNameProblem('MySite')).toBe('Use lower-case letters only.');
    expect(siteNameProblem('my_site')).toBe('Use only the letters a to z, digits and hyphens.');
    expect(siteNameProblem('my.site')).toBe('Use only the letters a to z, digits and hyphens.');
    expect(siteNameProblem('-site')).toBe('A name cannot start or end with a hyphen.');
    expect(siteNameProblem('site-')).toBe('A name cannot start or end with a hyphen.');
  });

  it('refuses the names the platform says it reserves, and no others', () => {
    const reserved = new Set(['www', 'api', 'admin', 'portal', 'ns1', 'ns2', 'mail', 'localhost']);
    for (const name of reserved) {
      expect(siteNameProblem(name, reserved)).toBe(`"${name}" is reserved by the platform.`);
    }
    expect(siteNameProblem('mail')).toBeNull();
  });

  it('refuses two hyphens in a row, which branch previews and IDNA use', () => {
    expect(siteNameProblem('xn--abc')).toMatch(/international names/);
    expect(siteNameProblem('dev--blog')).toMatch(/branch previews/);
    expect(siteNameProblem('ab--')).not.toBeNull();
    expect(siteNameProblem('a-b-c')).toBeNull();
  });

  it('leaves reserved names to sites only: a tenant may be called admin', () => {
    expect(dnsLabelProblem('admin')).toBeNull();
  });
});
