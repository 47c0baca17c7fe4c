/**
 * Unit specs run in a zone that is not UTC (India, +05:30, a half-hour offset), so a
 * date that is read or written in local time instead of UTC fails them (and a mutant
 * that drops an explicit `Z` dies) on every machine, whatever its own TZ.
 */
export default function globalSetup(): void {
  process.env.TZ = 'Asia/Kolkata';
}
