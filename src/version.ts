// The release this code is. One place; src/version.test.ts holds package.json and the chart to it.
export const version = "0.2.0";
