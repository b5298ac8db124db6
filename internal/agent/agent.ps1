# winfs agent: placeholder, replaced by the real agent script.
