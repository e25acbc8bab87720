declare module "virtual:fixtures" {
  const fixtures: { recordings: Record<string, any>; specExamples: Record<string, any> };
  export default fixtures;
}
