// ESLint (flat config): the map page's own script, geo/map/assets/*.js, which the renderer
// inlines into map.html. Vendored libraries, generated output and virtual environments are
// not ours to lint.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["**/.venv/**", "**/venv/**", "build/**", "output/**", "geo/data/vendor/**"],
  },
  js.configs.recommended,
  {
    files: ["geo/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {
        ...globals.browser,
        // Leaflet, loaded by folium before the page script runs.
        L: "readonly",
      },
    },
    rules: {
      // GeoMap is the page script's one global: folium's generated code calls it.
      "no-unused-vars": ["error", { varsIgnorePattern: "^GeoMap$" }],
    },
  },
  {
    files: ["eslint.config.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
