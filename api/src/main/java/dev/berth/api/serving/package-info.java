/** A site's serving switches (SPA fallback, clean URLs): {@code PUT /sites/{name}/serving}. */
package dev.berth.api.serving;
