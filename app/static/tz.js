// Optional: tell the server the reader's time zone so dates show in local time. Pages work without it.
try {
  var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (tz && document.cookie.indexOf("tz=" + tz) === -1) {
    document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
  }
} catch (e) {}
