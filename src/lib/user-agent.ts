/** The browser and operating system a User-Agent names, when it is one we recognise. */
export interface UserAgentSummary {
  browser: string | undefined;
  os: string | undefined;
}

/** "Chrome" and "Linux", "Safari" and "iPhone", … — good enough to recognise one's own device. */
export function parseUserAgent(userAgent: string | undefined): UserAgentSummary {
  const ua = (userAgent ?? '').slice(0, 512);
  const browser =
    /Edg(?:e|A|iOS)?\//.test(ua) ? 'Edge'
    : /OPR\/|Opera/.test(ua) ? 'Opera'
    : /SamsungBrowser\//.test(ua) ? 'Samsung Internet'
    : /Firefox\/|FxiOS\//.test(ua) ? 'Firefox'
    : /CriOS\/|Chrome\//.test(ua) ? 'Chrome'
    : /Version\/[\d.]+.*Safari\//.test(ua) ? 'Safari'
    : undefined;
  const os =
    /iPhone/.test(ua) ? 'iPhone'
    : /iPad/.test(ua) ? 'iPad'
    : /Android/.test(ua) ? 'Android'
    : /Windows/.test(ua) ? 'Windows'
    : /CrOS/.test(ua) ? 'ChromeOS'
    : /Mac OS X|Macintosh/.test(ua) ? 'macOS'
    : /Linux/.test(ua) ? 'Linux'
    : undefined;
  return { browser, os };
}
