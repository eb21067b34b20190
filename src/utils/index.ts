/** `torch.utils`: data loading and plotting. */
export * as data from "./data.js";
export * as plot from "./plot/index.js";
