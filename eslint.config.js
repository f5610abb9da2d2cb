import neostandard from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', '.tap/**', 'terraform/**'] }),
  {
    rules: {
      // TypeBox's idiom names a schema and its static type alike (const Todo / type Todo);
      // TypeScript itself rejects real redeclarations.
      '@typescript-eslint/no-redeclare': 'off'
    }
  },
  {
    // The web page's ES modules run in browsers.
    files: ['public/**/*.js'],
    languageOptions: { globals: { location: 'readonly', history: 'readonly', EventSource: 'readonly' } }
  }
]
